package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// m/<sha256> values since store format 2: the media record, and in front
// of it the occurrence key of the first place the media was found, which
// then has no o/ key. Most contents of a seizure are found once, so most
// places need no index key of their own: one key fewer per new media was
// a ninth of a small-file ingest's CPU (Badger's skiplist insert is paid
// per key). Only the writer that records a new media sets it (Batch.Add),
// and only a content change at that place clears it (Batch.unindex).
//
//	0x01, uvarint length, occurrence key, media JSON
//
// A value without the mark is the media JSON alone (a media recorded by
// format 1, or one whose first place was cleared).
const firstPlaceMark = 0x01 // never the first byte of a JSON object

var errBadFirstPlace = errors.New("damaged media record: bad first-place prefix")

// mediaValue puts first (when not empty) in front of an encoded media.
func mediaValue(first string, media []byte) []byte {
	if first == "" {
		return media
	}
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(first)+len(media))
	b = append(b, firstPlaceMark)
	b = binary.AppendUvarint(b, uint64(len(first)))
	b = append(b, first...)
	return append(b, media...)
}

// splitMediaValue returns the first place a stored media value holds ("" for
// none) and its media JSON.
func splitMediaValue(v []byte) (first string, media []byte, err error) {
	if len(v) == 0 || v[0] != firstPlaceMark {
		return "", v, nil
	}
	n, k := binary.Uvarint(v[1:])
	// A length written longer than it need be is no value mediaValue makes.
	if k <= 0 || n == 0 || n > uint64(len(v)-1-k) || k != uvarintLen(n) {
		return "", nil, errBadFirstPlace
	}
	start := 1 + k
	return string(v[start : start+int(n)]), v[start+int(n):], nil
}

// firstPlace reads the first place of media sha as the batch's open
// transaction sees it; "" when the media has none or is not recorded.
func (b *Batch) firstPlace(sha string) (string, error) {
	var first string
	_, err := b.get(keyMedia(sha), func(v []byte) error {
		var err error
		first, _, err = splitMediaValue(v)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("media %s: %w", sha, err)
	}
	return first, nil
}

// indexed says whether the place occKey is listed among the places of media
// sha: as its first place or by an o/ key.
func (b *Batch) indexed(sha, occKey string) (bool, error) {
	first, err := b.firstPlace(sha)
	if err != nil || first == occKey {
		return first == occKey, err
	}
	return b.exists(keyOccIndex(sha, occKey))
}

// unindex takes the place occKey off the places of media sha (its content
// changed) and says whether it was listed there.
func (b *Batch) unindex(sha, occKey string) (bool, error) {
	k := keyMedia(sha)
	var media []byte
	isFirst := false
	_, err := b.get(k, func(v []byte) error {
		first, m, err := splitMediaValue(v)
		if err == nil && first == occKey {
			isFirst, media = true, append([]byte(nil), m...)
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("media %s: %w", sha, err)
	}
	if isFirst {
		b.bytes += len(k) + len(media) + 16
		b.keys++
		return true, b.txnSet(k, media)
	}
	k = keyOccIndex(sha, occKey)
	found, err := b.exists(k)
	if err != nil || !found {
		return false, err
	}
	b.bytes += len(k) + 16
	b.keys++
	return true, b.txnDelete(k)
}

// readMediaItem decodes the media record of a scanned m/ item into m and
// returns the first place it holds ("" for none).
func readMediaItem(item *badger.Item, m *Media) (string, error) {
	var first string
	err := item.Value(func(v []byte) error {
		var media []byte
		var err error
		if first, media, err = splitMediaValue(v); err != nil {
			return err
		}
		return decodeMediaData(media, m)
	})
	if err != nil {
		return "", fmt.Errorf("media %s: %w", item.Key()[2:], err)
	}
	return first, nil
}

func uvarintLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}
