package store

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"
)

// mediaFilter answers "certainly not in the case" for a SHA-256 from
// memory, so that the content of a new file (most files of an ingest) costs
// no store lookup before it is analysed and none before it is written. A
// "maybe" is settled by the lookup as before. It is a Bloom filter seeded
// from the case's media keys at first use and told of every media a Batch
// queues; it grows by adding filters twice as large, about 1.2 bytes per
// media (19 MB at 10 M).
type mediaFilter struct {
	seed    sync.Once
	seedErr error
	seeds   [2]maphash.Seed
	grow    sync.Mutex
	parts   atomic.Pointer[[]*bloomPart]
}

// bloomPart is one fixed-size Bloom filter of 10 bits and 7 probes per
// element (about 1 % false positives when full).
type bloomPart struct {
	words []atomic.Uint64
	mask  uint64 // bits-1; bits is a power of two
	n     atomic.Int64
	cap   int64
}

const (
	bloomProbes      = 7
	bloomFirstCap    = 1 << 20
	bloomBitsPerElem = 10
)

func newBloomPart(capacity int64) *bloomPart {
	bits := uint64(1)
	for bits < uint64(capacity*bloomBitsPerElem) {
		bits <<= 1
	}
	return &bloomPart{words: make([]atomic.Uint64, bits/64), mask: bits - 1, cap: capacity}
}

func (f *mediaFilter) hashes(sha string) (uint64, uint64) {
	return maphash.String(f.seeds[0], sha), maphash.String(f.seeds[1], sha) | 1
}

func (p *bloomPart) has(h1, h2 uint64) bool {
	for i := range uint64(bloomProbes) {
		b := (h1 + i*h2) & p.mask
		if p.words[b/64].Load()&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

func (p *bloomPart) add(h1, h2 uint64) {
	for i := range uint64(bloomProbes) {
		b := (h1 + i*h2) & p.mask
		p.words[b/64].Or(1 << (b % 64))
	}
	p.n.Add(1)
}

// load seeds the filter from the media keys once; an error is kept and
// makes every answer "maybe", so nothing is skipped on its word.
func (f *mediaFilter) load(db *badger.DB) error {
	f.seed.Do(func() {
		f.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
		parts := []*bloomPart{newBloomPart(bloomFirstCap)}
		f.parts.Store(&parts)
		f.seedErr = db.View(func(txn *badger.Txn) error {
			opt := badger.DefaultIteratorOptions
			opt.Prefix = []byte("m/")
			opt.PrefetchValues = false
			it := txn.NewIterator(opt)
			defer it.Close()
			for it.Seek(opt.Prefix); it.ValidForPrefix(opt.Prefix); it.Next() {
				f.add(string(bytes.TrimPrefix(it.Item().Key(), opt.Prefix)))
			}
			return nil
		})
		if f.seedErr != nil {
			f.seedErr = fmt.Errorf("read media keys: %w", f.seedErr)
		}
	})
	return f.seedErr
}

// mayHave is false only when the media is certainly not in the case nor
// queued in a batch.
func (f *mediaFilter) mayHave(db *badger.DB, sha string) bool {
	if f.load(db) != nil {
		return true
	}
	h1, h2 := f.hashes(sha)
	for _, p := range *f.parts.Load() {
		if p.has(h1, h2) {
			return true
		}
	}
	return false
}

// add records a media; the newest part takes it, and a full part gets a
// successor twice its size.
func (f *mediaFilter) add(sha string) {
	h1, h2 := f.hashes(sha)
	parts := *f.parts.Load()
	last := parts[len(parts)-1]
	if last.n.Load() >= last.cap {
		f.grow.Lock()
		parts = *f.parts.Load()
		if last = parts[len(parts)-1]; last.n.Load() >= last.cap {
			grown := append(parts[:len(parts):len(parts)], newBloomPart(2*last.cap))
			f.parts.Store(&grown)
			last = grown[len(grown)-1]
		}
		f.grow.Unlock()
	}
	last.add(h1, h2)
}

// MediaKnown is HasMedia for the ingest's hot path: a content the filter
// has never seen is answered from memory.
func (s *Store) MediaKnown(sha string) (bool, error) {
	if !s.media.mayHave(s.db, sha) {
		return false, nil
	}
	return s.HasMedia(sha)
}
