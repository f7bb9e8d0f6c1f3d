package neardup

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// benchSet is n hashes: 99 % uniformly random, 1 % in clusters of 100 near
// copies (0–6 bits from a centre), the way real pHashes of resized or
// re-saved copies bunch up; queries alternate between a random hash and a
// point near a cluster centre.
type benchSet struct {
	x       *Index
	queries []uint64
	build   time.Duration
}

func newBenchSet(n int, balanced bool) benchSet {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	rnd := r.Uint64
	if balanced {
		rnd = func() uint64 { return balancedHash(r) }
	}
	var centres []uint64
	x := New()
	x.hashes, x.ids = make([]uint64, 0, n), make([]uint32, 0, n)
	for i := range n {
		h := rnd()
		if i%100 == 0 {
			if len(centres) == 0 || i%10000 == 0 {
				centres = append(centres, rnd())
			}
			h = nearBy(r, centres[len(centres)-1], r.IntN(7))
		}
		x.Add(uint32(i), h)
	}
	start := time.Now()
	x.Query(0, 0) // builds
	s := benchSet{x: x, build: time.Since(start)}
	for i := range 1024 {
		q := rnd()
		if i%2 == 1 {
			q = nearBy(r, centres[r.IntN(len(centres))], r.IntN(5))
		}
		s.queries = append(s.queries, q)
	}
	return s
}

// balancedHash is shaped like a real pHash: the DC bit (63) set, as the DC
// coefficient always exceeds the median, and 32 bits set in all, as "above
// the median of 64" splits them evenly (TestQuality logs this on real ones).
func balancedHash(r *rand.Rand) uint64 {
	h := r.Uint64() | 1<<63
	for bits.OnesCount64(h) != 32 {
		h ^= 1 << r.IntN(63)
	}
	return h
}

// BenchmarkQuery compares the index with a popcount scan of the same
// []uint64 in the same run. 10 M needs ~350 MiB and ~25 s per data shape; -short skips it.
func BenchmarkQuery(b *testing.B) {
	for _, c := range []struct {
		n        int
		balanced bool
	}{{1_000_000, false}, {1_000_000, true}, {10_000_000, false}, {10_000_000, true}} {
		n := c.n
		if n > 1_000_000 && testing.Short() {
			continue
		}
		kind := map[bool]string{false: "random", true: "phash-like"}[c.balanced]
		s := newBenchSet(n, c.balanced)
		b.Logf("n=%d %s: build %v, %.1f bytes/hash, %d tables", n, kind, s.build.Round(time.Millisecond),
			float64(s.x.memBytes())/float64(n), len(s.x.tabs))
		for _, radius := range []int{8, 10} {
			row := benchrow.Start(fmt.Sprintf("categorize/neardup/query/%dM-%s-r%d", n/1_000_000, kind, radius))
			var mihNs, scanNs float64
			b.Run(fmt.Sprintf("n=%dM/%s/r=%d/mih", n/1_000_000, kind, radius), func(b *testing.B) {
				found := 0
				for i := 0; b.Loop(); i++ {
					found += len(s.x.Query(s.queries[i%len(s.queries)], radius))
				}
				mihNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(float64(found)/float64(b.N), "matches/op")
			})
			b.Run(fmt.Sprintf("n=%dM/%s/r=%d/scan", n/1_000_000, kind, radius), func(b *testing.B) {
				found := 0
				for i := 0; b.Loop(); i++ {
					found += scanCount(s.x.hashes, s.queries[i%len(s.queries)], radius)
				}
				scanNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(float64(found)/float64(b.N), "matches/op")
			})
			if mihNs > 0 {
				b.Logf("n=%d %s r=%d: index %.3f ms/query, scan %.3f ms/query, index %.0f× faster",
					n, kind, radius, mihNs/1e6, scanNs/1e6, scanNs/mihNs)
				// On stdout: go test drops the log of a benchmark that has
				// sub-benchmarks unless -v.
				fmt.Println(row.Row(fmt.Sprintf("near-duplicate query, radius %d, %s pHashes (%s)", radius, benchrow.Count(float64(n)), kind),
					fmt.Sprintf("%.3f ms/query", mihNs/1e6), fmt.Sprintf("a popcount scan, in process %.2f ms/query", scanNs/1e6), scanNs/mihNs))
			}
		}
	}
}

// scanCount is the brute-force baseline: count hashes within radius.
func scanCount(hashes []uint64, h uint64, radius int) int {
	c := 0
	for _, v := range hashes {
		if bits.OnesCount64(v^h) <= radius {
			c++
		}
	}
	return c
}
