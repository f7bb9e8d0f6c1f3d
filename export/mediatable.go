package export

import (
	"bytes"
	"encoding/hex"

	"scrim/store"
)

// mediaTable holds what a file row needs of every media of the case,
// compactly and in SHA-256 order, read in one ordered scan. A listing of
// millions of places over far fewer media then finds each row's media
// with a binary search instead of a store lookup and a JSON decode.
type mediaTable struct {
	shas [][32]byte
	// bucket[p] is the first index of shas whose first two bytes are p
	// or more: a lookup searches one bucket of a few entries.
	bucket  []uint32
	entries []compactMedia
	strs    []string // interned text: types, kinds, MIME types, codecs, errors, categories
	index   map[string]uint32
}

// compactMedia is one media's row fields; hexes is md5, sha1, phash and
// dhash one after the other (substrings of it cost nothing).
type compactMedia struct {
	hexes                 string
	md5, sha1, phash      uint16 // lengths in hexes; dhash is the rest
	width, height, frames int32
	duration              float64
	typ, kind, mime       uint32
	codec, err, cat, src  uint32
}

func (t *mediaTable) intern(s string) uint32 {
	if i, ok := t.index[s]; ok {
		return i
	}
	i := uint32(len(t.strs))
	t.strs = append(t.strs, s)
	t.index[s] = i
	return i
}

// mediaPart is a chunk of media records on their way into the table.
type mediaPart struct {
	shas  [][32]byte
	media []store.Media
}

func loadMediaTable(st *store.Store) (*mediaTable, error) { return loadMediaTableBy(st, 4096) }

// loadMediaTableBy reads the media chunkRows records at a time.
func loadMediaTableBy(st *store.Store, chunkRows int) (*mediaTable, error) {
	t := &mediaTable{index: map[string]uint32{}}
	t.intern("")
	// Records are read and decoded on every core, then added in order
	// here (interning needs one goroutine, and is cheap).
	workers := listWorkers()
	err := readInOrder(workers,
		func(claim func() (*chunk[mediaPart], error), finish func(*chunk[mediaPart], error)) error {
			return store.EachMediaChunk(st, chunkRows, workers, claim, func(c *chunk[mediaPart], m store.Media) error {
				var sha [32]byte
				if n, err := hex.Decode(sha[:], []byte(m.SHA256)); err != nil || n != 32 {
					return nil // not a SHA-256: no occurrence names it; rows would find no media and say so
				}
				c.v.shas = append(c.v.shas, sha)
				c.v.media = append(c.v.media, m)
				return nil
			}, finish)
		},
		func(_ *mediaPart, readErr error) error { return readErr },
		func(p *mediaPart) error {
			t.shas = append(t.shas, p.shas...)
			for i := range p.media {
				m := &p.media[i]
				t.entries = append(t.entries, compactMedia{
					hexes: m.MD5 + m.SHA1 + m.PHash + m.DHash,
					md5:   uint16(len(m.MD5)), sha1: uint16(len(m.SHA1)), phash: uint16(len(m.PHash)),
					width: int32(m.Width), height: int32(m.Height), frames: int32(len(m.Frames)), duration: m.Duration,
					typ: t.intern(m.Type), kind: t.intern(m.Kind), mime: t.intern(m.MIME), codec: t.intern(m.Codec), err: t.intern(m.Error),
				})
			}
			return nil
		},
		func(p *mediaPart) {
			clear(p.media) // let the records' strings go
			p.shas, p.media = p.shas[:0], p.media[:0]
		})
	if err != nil {
		return nil, err
	}
	t.bucket = make([]uint32, 1<<16+1)
	for i := range t.shas {
		t.bucket[(int(t.shas[i][0])<<8|int(t.shas[i][1]))+1]++
	}
	for p := 1; p < len(t.bucket); p++ {
		t.bucket[p] += t.bucket[p-1]
	}
	err = st.EachCategory(func(sha string, c store.Category) error {
		if i, ok := t.find(sha); ok {
			t.entries[i].cat, t.entries[i].src = t.intern(c.Category), t.intern(c.Source)
		}
		return nil
	})
	return t, err
}

func (t *mediaTable) find(sha string) (int, bool) {
	var k [32]byte
	if n, err := hex.Decode(k[:], []byte(sha)); err != nil || n != 32 {
		return 0, false
	}
	p := int(k[0])<<8 | int(k[1])
	lo, hi := int(t.bucket[p]), int(t.bucket[p+1])
	for lo < hi { // a bucket holds a few entries: search it without copying them
		m := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(t.shas[m][:], k[:]); {
		case c == 0:
			return m, true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, false
}

// fill copies the media fields of sha into row; false when the case has
// no media record for it.
func (t *mediaTable) fill(sha string, row *FileRow) bool {
	i, ok := t.find(sha)
	if !ok {
		return false
	}
	e := &t.entries[i]
	h := e.hexes
	a, b, c := int(e.md5), int(e.md5)+int(e.sha1), int(e.md5)+int(e.sha1)+int(e.phash)
	row.MD5, row.SHA1, row.PHash, row.DHash = h[:a], h[a:b], h[b:c], h[c:]
	row.Type, row.Kind, row.MIME = t.strs[e.typ], t.strs[e.kind], t.strs[e.mime]
	row.Width, row.Height = int(e.width), int(e.height)
	row.Category, row.CategorySource = t.strs[e.cat], t.strs[e.src]
	row.Duration, row.Codec, row.Frames = e.duration, t.strs[e.codec], int(e.frames)
	if row.Error == "" {
		row.Error = t.strs[e.err]
	}
	return true
}
