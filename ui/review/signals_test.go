package review

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"scrim/categorize"
	"scrim/store"
)

// TestSignalFiltersOrdersAndBulk: on a real case, the signal filters keep
// what they say, the orders sort by the signal, the bulk set of "no faces,
// neutral" takes one decision audited like any other, and no signal ever
// set a category.
func TestSignalFiltersOrdersAndBulk(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sha := func(i int) string { return fmt.Sprintf("%064x", i+1) }
	b := st.NewBatch()
	for i := range 6 {
		m := &store.Media{SHA256: sha(i), MD5: fmt.Sprintf("%032x", i+1), SHA1: fmt.Sprintf("%040x", i+1), Kind: "picture", Type: "jpeg", PHash: "0000000000000000"}
		if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Path: fmt.Sprintf("/%d.jpg", i), SHA256: m.SHA256}, Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1e9, 0)
	face := func(age float64) store.FaceSignal { return store.FaceSignal{W: 20, H: 20, Age: age, AgeSpread: 3} }
	err = st.PutSignals(
		store.Signals{SHA256: sha(0), At: at, Faces: []store.FaceSignal{face(30), face(12)}, Nudity: &store.NuditySignal{Porn: 0.9, Neutral: 0.1}},
		store.Signals{SHA256: sha(1), At: at, Faces: []store.FaceSignal{face(40)}, Nudity: &store.NuditySignal{Sexy: 0.7, Neutral: 0.3}},
		store.Signals{SHA256: sha(2), At: at, Nudity: &store.NuditySignal{Neutral: 0.95, Porn: 0.05}},
		store.Signals{SHA256: sha(3), At: at, Nudity: &store.NuditySignal{Drawing: 0.6, Hentai: 0.3, Neutral: 0.1}},
		store.Signals{SHA256: sha(4), At: at, Faces: []store.FaceSignal{face(16)}, Nudity: &store.NuditySignal{Hentai: 0.85}},
		// item 5 has no signals
	)
	if err != nil {
		t.Fatal(err)
	}
	scheme, _ := categorize.SchemeByID("vic-us")
	m, err := Load(context.Background(), st, nil, scheme)
	if err != nil {
		t.Fatal(err)
	}
	shown := func() (out []int) {
		for p := range m.Len() {
			h := m.At(p).Hex()
			out = append(out, slices.IndexFunc([]int{0, 1, 2, 3, 4, 5}, func(i int) bool { return sha(i) == h }))
		}
		return out
	}
	for _, c := range []struct {
		f    Filter
		want []int
	}{
		{Filter{Kind: FacesUnder18}, []int{0, 4}},
		{Filter{Kind: ExplicitAtLeast}, []int{0, 4}},
		{Filter{Kind: ExplicitAtLeast, Arg: "0.88"}, []int{0}},
		{Filter{Kind: NoFacesNeutral}, []int{2, 3}},
	} {
		m.SetFilter(c.f)
		if got := shown(); !slices.Equal(got, c.want) {
			t.Errorf("filter %+v: %v, want %v", c.f, got, c.want)
		}
	}
	m.SetFilter(Filter{})
	for _, c := range []struct {
		o    Order
		want []int
	}{
		{OrderYoungest, []int{0, 4, 1, 2, 3, 5}},
		{OrderExplicit, []int{0, 4, 3, 2, 1, 5}},
		{OrderMostFaces, []int{0, 1, 4, 2, 3, 5}},
		{OrderDefault, []int{0, 1, 2, 3, 4, 5}},
	} {
		m.SetOrder(c.o)
		if got := shown(); !slices.Equal(got, c.want) {
			t.Errorf("order %d: %v, want %v", c.o, got, c.want)
		}
	}
	if s := m.SignalsAt(m.PositionOf(sha(0))); s.Faces != 2 || s.MinAge != 12 || s.Explicit < 0.89 {
		t.Errorf("signals of item 0: %+v", s)
	}
	if c := m.Counts(); c.NeedsReview != 6 {
		t.Fatalf("signals set a category: %+v", c)
	}

	// The bulk set: every media of "no faces, neutral" in one decision.
	d := &Desk{Model: m, Store: st, Engine: categorize.NewEngine(st, scheme), Examiner: "erin"}
	m.SetFilter(Filter{Kind: NoFacesNeutral})
	if err := d.Categorize(context.Background(), "0", m.BulkSet()); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3} {
		c, _, _ := st.Category(sha(i))
		if c.Category != "0" || !strings.Contains(c.Source, "erin") {
			t.Errorf("item %d after the bulk decision: %+v", i, c)
		}
	}
	var audited int
	st.EachAudit(func(e store.AuditEntry) error {
		if e.Actor == "erin" {
			audited++
		}
		return nil
	})
	if audited == 0 {
		t.Error("the bulk decision is not in the audit log")
	}
	det, err := LoadDetails(st, sha(0))
	if err != nil || det.Signals == nil || len(det.Signals.Faces) != 2 {
		t.Errorf("details signals: %+v %v", det.Signals, err)
	}
	if det, _ := LoadDetails(st, sha(5)); det.Signals != nil {
		t.Errorf("details of a media without signals: %+v", det.Signals)
	}
}
