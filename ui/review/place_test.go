package review

import (
	"testing"

	"scrim/categorize"
)

func TestPlaceFollowsTheMediaAcrossViews(t *testing.T) {
	scheme, _ := categorize.SchemeByID("vic-us")
	items := []Item{
		item(0, "", "", -1, 0, 1),
		item(1, "1", "hashset", 1, FlagDeleted, 1),
		item(2, "", "", 0, 0, 2),
		item(3, "5", "examiner", 1, FlagVideo, 2),
	}
	m := NewModel(scheme, []string{"ev1", "ev2"}, items)
	p := m.Find(Place{SHA: items[2].SHA})
	pl := m.PlaceAt(p, 42)
	if pl.SHA != items[2].SHA || pl.Offset != 42 {
		t.Fatalf("PlaceAt(%d) = %+v", p, pl)
	}
	m.SetFilter(Filter{Kind: Uncategorized})
	if q := m.Find(pl); q < 0 || m.At(q).SHA != items[2].SHA {
		t.Fatalf("under another filter the place is at %d", q)
	}
	m.SetFilter(Filter{Kind: Videos})
	if q := m.Find(pl); q != -1 {
		t.Fatalf("a media filtered out is found at %d", q)
	}
	if (m.PlaceAt(99, 0) != Place{}) {
		t.Fatal("a place outside the view is not the zero Place")
	}
}
