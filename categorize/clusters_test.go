package categorize

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"scrim/categorize/neardup"
	"scrim/store"
)

// TestClustersEqualPerPictureGrouping: Clusters (one walk,
// neardup.Components) gives exactly the groups of joining near() from
// every picture, the grouping it replaced.
func TestClustersEqualPerPictureGrouping(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(11, 12))
	centres := make([][2]uint64, 30)
	for i := range centres {
		centres[i] = [2]uint64{r.Uint64(), r.Uint64()}
	}
	b := st.NewBatch()
	for i := range 1500 {
		c := centres[r.IntN(len(centres))]
		p, d := c[0], c[1]
		for range r.IntN(9) {
			p ^= 1 << r.IntN(64)
		}
		for range r.IntN(9) {
			d ^= 1 << r.IntN(64)
		}
		if r.IntN(5) == 0 {
			p, d = neardup.MirrorVariant(p, d)
		}
		sha := fmt.Sprintf("%064x", r.Uint64()^uint64(i))
		if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: fmt.Sprint("/", i), SHA256: sha},
			Media: &store.Media{SHA256: sha, Kind: "picture", Type: "png", PHash: fmt.Sprintf("%016x", p), DHash: fmt.Sprintf("%016x", d)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	vic, _ := SchemeByID("vic-us")
	e := NewEngine(st, vic)
	got, err := e.Clusters()
	if err != nil {
		t.Fatal(err)
	}

	tab, err := e.pictures()
	if err != nil {
		t.Fatal(err)
	}
	parent := make([]int, len(tab.sha))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range tab.sha {
		for _, m := range tab.near(i, e.rule) {
			parent[find(i)] = find(m.ID)
		}
	}
	groups := map[int][]string{}
	for i, s := range tab.sha {
		groups[find(i)] = append(groups[find(i)], s)
	}
	var want [][]string
	for _, g := range groups {
		if len(g) > 1 {
			sort.Strings(g)
			want = append(want, g)
		}
	}
	sort.Slice(want, func(i, j int) bool {
		if len(want[i]) != len(want[j]) {
			return len(want[i]) > len(want[j])
		}
		return want[i][0] < want[j][0]
	})
	if len(want) < 5 {
		t.Fatalf("only %d groups: the fixture should make many", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Clusters gave %d groups, per-picture grouping %d (or they differ)", len(got), len(want))
	}
}
