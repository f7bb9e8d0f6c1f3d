package neardup

import (
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// brute is the reference answer: every entry within radius, in Query order.
func brute(hashes []uint64, ids []uint32, h uint64, radius int) []Match {
	var out []Match
	if radius < 0 {
		return nil
	}
	for i, c := range hashes {
		if d := bits.OnesCount64(c ^ h); d <= radius {
			out = append(out, Match{ID: ids[i], Distance: d})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(a.ID) - int(b.ID)
	})
	return out
}

// checkAgainstBrute compares Query with brute force, ids as a multiset.
func checkAgainstBrute(t testing.TB, x *Index, hashes []uint64, ids []uint32, h uint64, r int) {
	t.Helper()
	got, want := x.Query(h, r), brute(hashes, ids, h, r)
	if !slices.Equal(got, want) {
		t.Fatalf("Query(%016x, %d) over %d entries: got %d matches %v, want %d %v",
			h, r, len(hashes), len(got), head(got), len(want), head(want))
	}
}

func head(m []Match) []Match { return m[:min(len(m), 8)] }

// nearBy flips k random bits of h.
func nearBy(r *rand.Rand, h uint64, k int) uint64 {
	for _, b := range r.Perm(64)[:k] {
		h ^= 1 << b
	}
	return h
}

func TestQueryMatchesBrute(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Sizes straddle the scan-only limit and several table layouts; the
	// cluster of near hashes gives buckets with many entries and answers
	// found through several tables.
	for _, n := range []int{0, 1, 100, 5000, 20000, 70000} {
		x := New()
		var hashes []uint64
		var ids []uint32
		centre := r.Uint64()
		for i := range n {
			h := r.Uint64()
			if i%3 == 0 {
				h = nearBy(r, centre, r.IntN(12))
			}
			hashes, ids = append(hashes, h), append(ids, uint32(i/2)) // ids repeat
			x.Add(uint32(i/2), h)
		}
		if x.Len() != n {
			t.Fatalf("Len %d, want %d", x.Len(), n)
		}
		for q := 0; q < 30; q++ {
			h := r.Uint64()
			if q%2 == 0 {
				h = nearBy(r, centre, r.IntN(6))
			}
			for _, rad := range []int{-1, 0, 1, 3, 8, 10, 13, 20, 64, 99} {
				checkAgainstBrute(t, x, hashes, ids, h, rad)
			}
		}
	}
}

// TestAddAfterQuery: entries added after a build are found, through the
// scanned tail and after the rebuild it triggers.
func TestAddAfterQuery(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := New()
	var hashes []uint64
	var ids []uint32
	for round := 0; round < 6; round++ {
		for range 3000 + round*2000 {
			h := r.Uint64()
			id := uint32(len(hashes))
			hashes, ids = append(hashes, h), append(ids, id)
			x.Add(id, h)
		}
		for q := 0; q < 10; q++ {
			checkAgainstBrute(t, x, hashes, ids, nearBy(r, hashes[r.IntN(len(hashes))], 7), 9)
		}
	}
}

func TestRadii(t *testing.T) {
	for m := 1; m <= 8; m++ {
		for r := 0; r <= 64; r++ {
			// The bound must hold: the cheapest miss of every table sums past r.
			sum := 0
			for _, s := range radii(r, m) {
				sum += s + 1
			}
			if sum != r+1 {
				t.Fatalf("radii(%d,%d) = %v: misses sum to %d, want %d", r, m, radii(r, m), sum, r+1)
			}
		}
	}
}

func TestLayoutCoversAllBits(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 1 << 20, 10_000_000, 1 << 40} {
		var all uint64
		for _, tb := range layout(n) {
			mask := (uint64(1)<<tb.width - 1) << tb.shift
			if all&mask != 0 || tb.width > maxWidth {
				t.Fatalf("layout(%d): overlapping or wide table %+v", n, tb)
			}
			all |= mask
		}
		if all != ^uint64(0) {
			t.Fatalf("layout(%d) covers %016x", n, all)
		}
	}
}

// FuzzQuery: Query equals brute force on small sets, forced through the
// tables (not the scan fallback) by building them directly.
func FuzzQuery(f *testing.F) {
	f.Add(uint64(1), uint64(0), uint16(50), uint8(8), uint8(3))
	f.Add(uint64(7), uint64(^uint64(0)), uint16(900), uint8(10), uint8(40))
	f.Fuzz(func(t *testing.T, seed, q uint64, n uint16, radius uint8, cluster uint8) {
		r := rand.New(rand.NewPCG(seed, uint64(n)))
		x := New()
		var hashes []uint64
		var ids []uint32
		for i := 0; i < int(n%2048); i++ {
			h := r.Uint64()
			if cluster > 0 && i%int(cluster%8+1) == 0 {
				h = nearBy(r, q, r.IntN(int(cluster%24)+1))
			}
			hashes, ids = append(hashes, h), append(ids, r.Uint32N(64))
			x.Add(ids[i], h)
		}
		rad := int(radius%70) - 2
		x.mu.Lock()
		x.build()
		x.mu.Unlock()
		want := brute(hashes, ids, q, rad)
		var got []Match
		if rad >= 0 {
			got = x.search(nil, q, min(rad, 64))
			slices.SortFunc(got, func(a, b Match) int {
				if a.Distance != b.Distance {
					return a.Distance - b.Distance
				}
				return int(a.ID) - int(b.ID)
			})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("search(%016x, %d) over %d: got %v, want %v", q, rad, len(hashes), head(got), head(want))
		}
		checkAgainstBrute(t, x, hashes, ids, q, rad)
	})
}
