// Package neardup finds pictures whose perceptual hashes lie within a small
// Hamming distance of each other, so that a category an examiner gives one
// picture can be suggested for its resized, recompressed or lightly edited
// copies.
//
// Why multi-index hashing and not a BK-tree: a BK-tree prunes by the triangle
// inequality, which on 64-bit Hamming space with radius 8–10 prunes little
// (random distances concentrate around 32, so most subtrees stay in range)
// — a query visits a large share of the nodes, each a pointer chase, and
// the tree costs a node (≥ 40 bytes) per hash. Not measured here. Multi-index hashing turns the query into a few
// hundred exact table lookups plus a popcount per candidate, over flat
// arrays: 0.2 ms at radius 8 over 10 M hashes, 27–29 bytes per hash
// (BenchmarkQuery).
package neardup

import (
	"math/bits"
	"slices"
	"sync"
)

// Index answers Hamming-radius queries over 64-bit hashes. IDs are the
// caller's (dense uint32 indexes into its own table of SHA-256s); each Add is
// one entry, so adding an id twice makes it answer twice. It is safe for
// concurrent use. It holds at most 1<<32 - 1 entries.
//
// Memory: 8 bytes (hash) + 4 (id) + 4 per substring table (position) per
// entry, plus 4·2^w bytes of bucket offsets per table, where the substring
// width w grows with the entry count so the offsets stay near 4 bytes per
// entry: about 28–32 bytes per hash (≈ 275 MiB at 10 M; see BenchmarkQuery).
type Index struct {
	mu     sync.RWMutex
	hashes []uint64 // in Add order
	ids    []uint32 // parallel to hashes
	tabs   []table  // over hashes[:built]
	built  int
}

// Match is one entry within the query radius.
type Match struct {
	ID       uint32
	Distance int
}

// New returns an empty index.
func New() *Index { return &Index{} }

// Add records hash under id. Tables are rebuilt lazily by the next Query.
func (x *Index) Add(id uint32, hash uint64) {
	x.mu.Lock()
	x.hashes = append(x.hashes, hash)
	x.ids = append(x.ids, id)
	x.mu.Unlock()
}

// Len is the number of entries added.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.hashes)
}

// Query returns every entry whose hash is within radius bits of h, with the
// distance, nearest first (ties by ascending id). A negative radius matches
// nothing.
func (x *Index) Query(h uint64, radius int) []Match {
	if radius < 0 {
		return nil
	}
	radius = min(radius, 64)
	x.mu.RLock()
	if x.stale() {
		x.mu.RUnlock()
		x.mu.Lock()
		if x.stale() {
			x.build()
		}
		x.mu.Unlock()
		x.mu.RLock()
	}
	defer x.mu.RUnlock()

	var out []Match
	n := len(x.hashes)
	if x.built == 0 || x.lookupCost(radius) >= x.built/4 {
		// Tiny index or huge radius: a straight scan is cheaper than
		// enumerating substring neighbours.
		out = scan(out, x.hashes, x.ids, 0, h, radius)
	} else {
		out = x.search(out, h, radius)
		// Entries added since the last build: few (see stale), so scanned.
		out = scan(out, x.hashes[:n], x.ids, x.built, h, radius)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(a.ID) - int(b.ID)
	})
	return out
}

// stale reports whether the unindexed tail has grown past what a scan per
// query should pay for: rebuilding costs O(n), so it waits until the tail
// is a sixteenth of the index, keeping Add-then-Query interleavings linear
// overall.
func (x *Index) stale() bool {
	tail := len(x.hashes) - x.built
	return tail > 4096+x.built/16
}

// scan appends every entry from hashes[from:] within radius of h.
func scan(out []Match, hashes []uint64, ids []uint32, from int, h uint64, radius int) []Match {
	for i := from; i < len(hashes); i++ {
		if d := bits.OnesCount64(hashes[i] ^ h); d <= radius {
			out = append(out, Match{ID: ids[i], Distance: d})
		}
	}
	return out
}
