package review

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"scrim/categorize"
	"scrim/internal/benchrow"
)

// item makes an item found in evidence item ev (a position in Model.Evidence).
func item(i int, cat, source string, cluster int32, flags uint8, ev int32) Item {
	return Item{SHA: sha256.Sum256([]byte(fmt.Sprint(i))), Category: cat, Source: source, Cluster: cluster, Flags: flags, Evidence: EvidenceSet{ev}}
}

func TestFiltersAndClusterOrder(t *testing.T) {
	scheme, _ := categorize.SchemeByID("vic-us")
	items := []Item{
		item(0, "", "", -1, 0, 0),
		item(1, "1", "hashset", 1, FlagDeleted, 0),
		item(2, "1", "suggested", 0, 0, 1),
		item(3, "5", "examiner", 1, FlagVideo, 1),
		item(4, "0", "examiner", 0, FlagCarved, 0),
		item(5, "", "", -1, FlagVideo, 1),
	}
	m := NewModel(scheme, []string{"ev1", "ev2"}, items)
	order := func() (out []int) {
		for p := range m.Len() {
			for i, it := range items {
				if it.SHA == m.At(p).SHA {
					out = append(out, i)
				}
			}
		}
		return out
	}
	check := func(name string, want ...int) {
		t.Helper()
		if got := order(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	check("clusters first, together, in cluster order", 2, 4, 1, 3, 0, 5)
	m.SortByCluster(false)
	check("store order", 0, 1, 2, 3, 4, 5)
	m.SortByCluster(true)
	for _, c := range []struct {
		f    Filter
		want []int
	}{
		{Filter{Kind: Uncategorized}, []int{2, 4, 0, 5}}, // none, only suggested, or the scheme's "Uncategorized" code
		{Filter{Kind: InCategory, Arg: "1"}, []int{2, 1}},
		{Filter{Kind: HashSetMatched}, []int{1}},
		{Filter{Kind: Suggested}, []int{2}},
		{Filter{Kind: InCluster, Arg: "1"}, []int{1, 3}},
		{Filter{Kind: InEvidence, Arg: "ev2"}, []int{2, 3, 5}},
		{Filter{Kind: DeletedOrCarved}, []int{4, 1}},
		{Filter{Kind: Pictures}, []int{2, 4, 1, 0}},
		{Filter{Kind: Videos}, []int{3, 5}},
	} {
		m.SetFilter(c.f)
		check(fmt.Sprintf("filter %+v", c.f), c.want...)
	}
	m.SetFilter(Filter{})
	if got := m.ClusterPositions(m.PositionOf(items[1].Hex())); len(got) != 2 {
		t.Errorf("cluster of item 1 at positions %v, want two", got)
	}
	if p := m.NextNeedingReview(m.PositionOf(items[1].Hex())); m.At(p).SHA != items[0].SHA {
		t.Errorf("next needing review after item 1 is position %d, want item 0", p)
	}
	c := m.Counts()
	if c.NeedsReview != 4 || c.HashSet != 1 || c.Examiner != 1 || c.Videos != 2 || c.ByCategory["1"] != 2 {
		t.Errorf("counts %+v", c)
	}
}

// A million items: building the queue (index, cluster order) and filtering
// it, the work a case of that size costs when the grid opens.
func BenchmarkModelMillion(b *testing.B) {
	scheme, _ := categorize.SchemeByID("vic-us")
	items := make([]Item, 1_000_000)
	for i := range items {
		items[i] = item(i, "", "", int32(i%5000)-1, 0, 0)
	}
	row := benchrow.Start("ui/review/model-1M")
	b.ResetTimer()
	for range b.N {
		m := NewModel(scheme, []string{"ev"}, items)
		m.SetFilter(Filter{Kind: Uncategorized})
	}
	b.StopTimer()
	row.Log(b, "review queue model of 1 M generated items (index, cluster order, filter)", benchrow.Seconds(b.Elapsed()/time.Duration(b.N)), "— (aim ≤ 2 s)", 0)
}

// TestClustersArriveAfterOpen: a queue opened without near-duplicate
// groups (the workstation shows it first) takes them later, in cluster
// order, and a second grouping replaces the first.
func TestClustersArriveAfterOpen(t *testing.T) {
	scheme, _ := categorize.SchemeByID("vic-us")
	var items []Item
	for i := range 5 {
		items = append(items, item(i, "", "", -1, 0, 0))
	}
	m := NewModel(scheme, []string{"ev"}, items)
	first := m.At(0).SHA
	m.SetClusters([][]string{{items[3].Hex(), items[1].Hex()}})
	if m.At(0).SHA != items[1].SHA && m.At(0).SHA != items[3].SHA || m.At(0).Cluster != 0 || m.At(1).Cluster != 0 || m.At(2).Cluster != -1 {
		t.Fatalf("grouped order: %v %v %v", m.At(0), m.At(1), m.At(2))
	}
	m.SetClusters(nil)
	if m.At(0).SHA != first || m.At(0).Cluster != -1 {
		t.Fatalf("groups not replaced: %v", m.At(0))
	}
}
