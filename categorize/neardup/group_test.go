package neardup

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// crowd makes n pictures around a few centres, some mirrored, so that
// components are large and chained (the shape that made per-picture
// grouping quadratic).
func crowd(n, centres int, seed uint64) (p, d []uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	cp := make([]uint64, centres)
	cd := make([]uint64, centres)
	for i := range cp {
		cp[i], cd[i] = r.Uint64(), r.Uint64()
	}
	flip := func(h uint64, k int) uint64 {
		for range k {
			h ^= 1 << r.IntN(64)
		}
		return h
	}
	for range n {
		c := r.IntN(centres)
		pp, dd := flip(cp[c], r.IntN(9)), flip(cd[c], r.IntN(9))
		if r.IntN(5) == 0 {
			pp, dd = MirrorVariant(pp, dd)
		}
		p, d = append(p, pp), append(d, dd)
	}
	return p, d
}

// pairwiseComponents is the definition: union-find over every pair.
func pairwiseComponents(p, d []uint64, rule Rule) []int {
	parent := make([]int, len(p))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range p {
		mp, md := MirrorVariant(p[i], d[i])
		for j := range p {
			if i == j {
				continue
			}
			ok1, _ := rule.Similar(p[i], d[i], p[j], d[j])
			ok2, _ := rule.Similar(mp, md, p[j], d[j])
			if ok1 || ok2 {
				parent[find(i)] = find(j)
			}
		}
	}
	out := make([]int, len(p))
	for i := range p {
		out[i] = find(i)
	}
	return out
}

// samePartition reports whether two labellings group the same items.
func samePartition(a, b []int) bool {
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if x, ok := ab[a[i]]; ok && x != b[i] {
			return false
		}
		if y, ok := ba[b[i]]; ok && y != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

func TestComponentsEqualPairwise(t *testing.T) {
	for _, tc := range []struct{ n, centres int }{{0, 1}, {1, 1}, {50, 3}, {1500, 20}, {1500, 300}, {1500, 2}} {
		for _, rule := range []Rule{DefaultRule(), {PHashRadius: 4, DHashRadius: 4}, {PHashRadius: 16, DHashRadius: 16}} {
			p, d := crowd(tc.n, tc.centres, uint64(tc.n+tc.centres))
			got, want := Components(p, d, rule), pairwiseComponents(p, d, rule)
			if !samePartition(got, want) {
				t.Fatalf("n=%d centres=%d rule %+v: components differ from the pairwise grouping", tc.n, tc.centres, rule)
			}
			groups := map[int]int{}
			for _, c := range got {
				groups[c]++
			}
			t.Logf("n=%d centres=%d rule %+v: %d components", tc.n, tc.centres, rule, len(groups))
		}
	}
}

// BenchmarkComponents groups SCRIM_BENCH_GROUP_N crowded pictures (default
// 100 k) beside the per-picture grouping it replaced (one index query per
// picture and per mirror, every answer joined), measured in the same run.
func BenchmarkComponents(b *testing.B) {
	row := benchrow.Start("categorize/neardup/components")
	n := 100_000
	p, d := crowd(n, 200, 9)
	rule := DefaultRule()
	b.ResetTimer()
	for b.Loop() {
		Components(p, d, rule)
	}
	b.StopTimer()
	perPicture := func(m int) float64 {
		x := New()
		for i := range m {
			x.Add(uint32(i), p[i])
		}
		start := time.Now()
		links := 0
		for i := range m {
			mp, md := MirrorVariant(p[i], d[i])
			for _, q := range [][2]uint64{{p[i], d[i]}, {mp, md}} {
				for _, mt := range x.Query(q[0], rule.PHashRadius) {
					if bits.OnesCount64(q[1]^d[mt.ID]) <= rule.DHashRadius {
						links++
					}
				}
			}
		}
		return time.Since(start).Seconds()
	}
	// The old way is quadratic in the crowd: timed on a tenth, scaled by 100.
	old := perPicture(n/10) * 100
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(per, "s/group")
	b.ReportMetric(old/per, "x-per-picture")
	b.Logf("%d crowded pictures grouped in %.2f s; per-picture queries ~%.0f s (a tenth timed, ×100): %.0f×", n, per, old, old/per)
	row.Log(b, fmt.Sprintf("near-duplicate grouping of %s generated look-alikes", benchrow.Count(float64(n))), fmt.Sprintf("%.2f s", per),
		fmt.Sprintf("per-picture index queries, in process (a tenth timed, ×100) %.0f s", old), old/per)
}
