package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// get reads one key; found is false when it is absent.
func (s *Store) get(key []byte, fn func([]byte) error) (found bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		found, err = getIn(txn, key, fn)
		return err
	})
	return found, err
}

// getIn is get inside a transaction.
func getIn(txn *badger.Txn, key []byte, fn func([]byte) error) (bool, error) {
	it, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, it.Value(fn)
}

func (s *Store) getJSON(key []byte, dst any) (bool, error) {
	found, err := s.get(key, func(v []byte) error { return json.Unmarshal(v, dst) })
	if err != nil {
		return found, fmt.Errorf("read %s: %w", printableKey(key), err)
	}
	return found, nil
}

func printableKey(k []byte) string { return strings.ReplaceAll(string(k), "\x00", "|") }

// Evidence returns the evidence record with id.
func (s *Store) Evidence(id string) (Evidence, bool, error) {
	var e Evidence
	ok, err := s.getJSON(keyEvidence(id), &e)
	return e, ok, err
}

// EvidenceIDByPath returns the ID under which a source path was ingested.
func (s *Store) EvidenceIDByPath(path string) (string, bool, error) {
	var id string
	ok, err := s.get(keyEvidencePath(path), func(v []byte) error { id = string(v); return nil })
	return id, ok, err
}

// ListEvidence returns every evidence record, ordered by ID.
func (s *Store) ListEvidence() ([]Evidence, error) {
	var out []Evidence
	err := s.Scan("e/", func(_, v []byte) error {
		var e Evidence
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Media returns the media record of a SHA-256.
func (s *Store) Media(sha string) (Media, bool, error) {
	var m Media
	ok, err := s.get(keyMedia(sha), func(v []byte) error { return decodeMedia(v, &m) })
	if err != nil {
		return m, ok, fmt.Errorf("read media %s: %w", sha, err)
	}
	return m, ok, nil
}

// HasMedia reports whether a content is already analysed.
func (s *Store) HasMedia(sha string) (bool, error) {
	return s.get(keyMedia(sha), func([]byte) error { return nil })
}

// Thumbnail returns the stored thumbnail JPEG of a media, nil if none.
func (s *Store) Thumbnail(sha string) ([]byte, error) {
	var out []byte
	_, err := s.get(keyThumb(sha), func(v []byte) error { out = bytes.Clone(v); return nil })
	return out, err
}

// Category returns the current category of a media.
func (s *Store) Category(sha string) (Category, bool, error) {
	var c Category
	ok, err := s.getJSON(keyCategory(sha), &c)
	return c, ok, err
}

// SHA256ByMD5 and SHA256BySHA1 resolve hash-set digests to stored media:
// from the index an older case keeps, else by reading every media record
// (hash-set matching reads them in one pass for all its digests instead).
func (s *Store) SHA256ByMD5(md5 string) (string, bool, error) {
	return s.sha256By(keyMD5(md5), func(m *Media) bool { return m.MD5 == md5 })
}

// SHA256BySHA1 resolves a SHA-1 to the SHA-256 of stored media.
func (s *Store) SHA256BySHA1(sha1 string) (string, bool, error) {
	return s.sha256By(keySHA1(sha1), func(m *Media) bool { return m.SHA1 == sha1 })
}

func (s *Store) sha256By(indexKey []byte, match func(*Media) bool) (string, bool, error) {
	if sha, ok, err := s.getString(indexKey); ok || err != nil {
		return sha, ok, err
	}
	var found string
	err := s.Scan("m/", func(_, v []byte) error {
		var m Media
		if err := decodeMedia(v, &m); err != nil {
			return err
		}
		if match(&m) {
			found = m.SHA256
			return ErrStop
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("find media by %s: %w", printableKey(indexKey), err)
	}
	return found, found != "", nil
}

func (s *Store) getString(k []byte) (string, bool, error) {
	var out string
	ok, err := s.get(k, func(v []byte) error { out = string(v); return nil })
	return out, ok, err
}

// MediaCategory is a media record with its current category.
type MediaCategory struct {
	Media    Media
	Category Category
}

// MediaAndCategories reads the media records and current categories of
// shas (best in ascending order) in one read transaction; a SHA-256 without
// a media record is left out.
func (s *Store) MediaAndCategories(shas []string) (map[string]MediaCategory, error) {
	out := make(map[string]MediaCategory, len(shas))
	err := s.db.View(func(txn *badger.Txn) error {
		for _, sha := range shas {
			var mc MediaCategory
			ok, err := getIn(txn, keyMedia(sha), func(v []byte) error { return decodeMedia(v, &mc.Media) })
			if err != nil {
				return fmt.Errorf("media %s: %w", sha, err)
			}
			if !ok {
				continue
			}
			if _, err := getIn(txn, keyCategory(sha), func(v []byte) error { return json.Unmarshal(v, &mc.Category) }); err != nil {
				return fmt.Errorf("category of %s: %w", sha, err)
			}
			out[sha] = mc
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read media: %w", err)
	}
	return out, nil
}

// Occurrence returns the record stored for a place, if any.
func (s *Store) Occurrence(occKey string) (Occurrence, bool, error) {
	var o Occurrence
	ok, err := s.get(keyWhere(occKey), func(v []byte) error { return decodeOccurrence(v, &o) })
	if err != nil {
		return o, ok, fmt.Errorf("read place %s: %w", printableKey(keyWhere(occKey)), err)
	}
	return o, ok, nil
}

// EachOccurrence calls fn for every occurrence, ordered by evidence, volume
// and path. evidence limits it to one item when not empty.
func (s *Store) EachOccurrence(evidence string, fn func(Occurrence) error) error {
	return s.Scan(occurrencePrefix(evidence), func(_, v []byte) error {
		var o Occurrence
		if err := decodeOccurrence(v, &o); err != nil {
			return err
		}
		return fn(o)
	})
}

// occurrencePrefix is the key prefix of every occurrence, or of one
// evidence item's when evidence is not empty.
func occurrencePrefix(evidence string) string {
	if evidence == "" {
		return "w/"
	}
	return "w/" + evidence + "\x00"
}

// OccurrencesOf lists the places a media was found: the first, kept with
// its media record (firstplace.go), then those its o/ keys list.
func (s *Store) OccurrencesOf(sha string) ([]Occurrence, error) {
	var keys []string
	_, err := s.get(keyMedia(sha), func(v []byte) error {
		first, _, err := splitMediaValue(v)
		if first != "" {
			keys = append(keys, first)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("media %s: %w", sha, err)
	}
	err = s.ScanKeys("o/"+sha+"/", func(k []byte) error {
		if occ := string(k[len("o/"+sha+"/"):]); len(keys) == 0 || occ != keys[0] {
			keys = append(keys, occ)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Occurrence, 0, len(keys))
	for _, k := range keys {
		o, ok, err := s.Occurrence(k)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, o)
		}
	}
	return out, nil
}

// ErrStop, returned by a scan's callback, ends the scan without an error.
var ErrStop = errors.New("stop scan")

// Scan calls fn for every key with prefix, in key order. The slices are only
// valid during the call.
func (s *Store) Scan(prefix string, fn func(k, v []byte) error) error {
	err := s.db.View(func(txn *badger.Txn) error { return scanIn(txn, prefix, fn) })
	if err != nil {
		return fmt.Errorf("scan %s: %w", prefix, err)
	}
	return nil
}

// scanIn is Scan inside a transaction, which sees its own pending writes.
func scanIn(txn *badger.Txn, prefix string, fn func(k, v []byte) error) error {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = []byte(prefix)
	opt.PrefetchSize = 64
	it := txn.NewIterator(opt)
	defer it.Close()
	for it.Seek(opt.Prefix); it.ValidForPrefix(opt.Prefix); it.Next() {
		item := it.Item()
		k := item.Key()
		if err := item.Value(func(v []byte) error { return fn(k, v) }); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return fmt.Errorf("at %s: %w", printableKey(k), err)
		}
	}
	return nil
}

// ScanKeys is Scan without reading values.
func (s *Store) ScanKeys(prefix string, fn func(k []byte) error) error {
	err := s.db.View(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = []byte(prefix)
		opt.PrefetchValues = false
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Seek(opt.Prefix); it.ValidForPrefix(opt.Prefix); it.Next() {
			if err := fn(it.Item().Key()); err != nil {
				if errors.Is(err, ErrStop) {
					return nil
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan %s: %w", prefix, err)
	}
	return nil
}
