package review

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"scrim/categorize"
	"scrim/store"
)

// TestEvidenceFilterHundredItems: a case with 100 evidence items; the
// evidence filter finds the media of every one of them (it used to keep a
// 64-bit set and lose the 65th item onward), including a media found in
// all of them.
func TestEvidenceFilterHundredItems(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const items = 100
	shared := fmt.Sprintf("%064x", 1<<20)
	own := func(i int) string { return fmt.Sprintf("%064x", i) }
	b := st.NewBatch()
	for i := 1; i <= items; i++ {
		id := fmt.Sprintf("ev%03d", i)
		if err := st.PutEvidence(store.Evidence{ID: id, Path: "/evidence/" + id, Format: "directory"}); err != nil {
			t.Fatal(err)
		}
		for _, sha := range []string{own(i), shared} {
			if _, err := b.Add(store.FileRecord{
				Occurrence: store.Occurrence{Evidence: id, Volume: "0", FS: "dir", Path: "/" + sha[56:] + ".jpg", SHA256: sha},
				Media:      &store.Media{SHA256: sha, Kind: "picture", Type: "jpeg", PHash: "0", DHash: "0"},
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	scheme, _ := categorize.SchemeByID("vic-us")
	m, err := Load(context.Background(), st, nil, scheme)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Evidence) != items || m.Total() != items+1 {
		t.Fatalf("model has %d evidence items and %d media, want %d and %d", len(m.Evidence), m.Total(), items, items+1)
	}
	for i := 1; i <= items; i++ {
		m.SetFilter(Filter{Kind: InEvidence, Arg: fmt.Sprintf("ev%03d", i)})
		got := map[string]bool{}
		for p := range m.Len() {
			got[m.At(p).Hex()] = true
		}
		if len(got) != 2 || !got[own(i)] || !got[shared] {
			t.Fatalf("filter on evidence item %d shows %d media %v, want its own and the shared one", i, len(got), got)
		}
	}
	m.SetFilter(Filter{Kind: All})
	if p := m.PositionOf(shared); p < 0 || len(m.At(p).Evidence) != items {
		t.Fatalf("the shared media is in %d evidence items, want %d", len(m.At(p).Evidence), items)
	}
}
