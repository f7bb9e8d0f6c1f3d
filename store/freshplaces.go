package store

import (
	"hash/maphash"
	"sync"
)

// freshPlaces knows the evidence items with no place recorded before this
// process started writing them (a first run), and which of their places it
// has queued since. A place of such an item the filter has never seen has
// no earlier record, so writing it needs no read first: on a first ingest
// that read was a store lookup per file. A "maybe" (a place queued twice,
// as an archive listing one name twice does, or a Bloom false positive) is
// settled by the lookup as before, and so is every place of any other item.
type freshPlaces struct {
	mu    sync.Mutex
	items map[string]*mediaFilter // evidence ID → places queued in this process
}

// begin marks an item as having no place recorded; end forgets that.
func (f *freshPlaces) begin(evidenceID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.items == nil {
		f.items = map[string]*mediaFilter{}
	}
	pl := &mediaFilter{}
	pl.seed.Do(func() {
		pl.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
		parts := []*bloomPart{newBloomPart(bloomFirstCap)}
		pl.parts.Store(&parts)
	})
	f.items[evidenceID] = pl
}

func (f *freshPlaces) end(evidenceID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.items, evidenceID)
}

// firstWrite says the place occKey of evidenceID certainly has no record
// yet, and remembers it as queued either way.
func (f *freshPlaces) firstWrite(evidenceID, occKey string) bool {
	f.mu.Lock()
	pl := f.items[evidenceID]
	f.mu.Unlock()
	if pl == nil {
		return false
	}
	seen := pl.mayHave(nil, occKey) // seeded by begin: never reads the store
	pl.add(occKey)
	return !seen
}
