package review

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// The index finds every item and no other digest, whether the items are
// in SHA-256 order (buckets) or not (a map), with many items sharing a
// prefix and none in most buckets.
func TestSHAIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 9))
	items := make([]Item, 5000)
	for i := range items {
		for j := range items[i].SHA {
			items[i].SHA[j] = byte(rng.Uint32())
		}
		if i%3 == 0 {
			items[i].SHA[0], items[i].SHA[1] = 0xab, 0xcd // a crowded bucket
		}
	}
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, func(a, b Item) int { return bytes.Compare(a.SHA[:], b.SHA[:]) })
	sorted = slices.CompactFunc(sorted, func(a, b Item) bool { return a.SHA == b.SHA })
	for name, its := range map[string][]Item{"sorted": sorted, "unsorted": items, "empty": nil} {
		x := newSHAIndex(its)
		if (x.bucket != nil) != (name != "unsorted") {
			t.Fatalf("%s: buckets %v", name, x.bucket != nil)
		}
		for i := range its {
			if j, ok := x.find(its, its[i].SHA); !ok || its[j].SHA != its[i].SHA {
				t.Fatalf("%s: item %d found at %d (%v)", name, i, j, ok)
			}
		}
		for range 1000 {
			var k [32]byte
			for j := range k {
				k[j] = byte(rng.Uint32())
			}
			k[0], k[1] = 0xab, 0xcd
			if _, ok := x.find(its, k); ok {
				t.Fatalf("%s: %x found", name, k)
			}
		}
	}
}
