package categorize

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"scrim/store"
)

// SuggestFrom follows an examiner's decisions and undos: near-duplicates get
// each new category, and lose the suggestion when the decision is taken back.
func TestSuggestFromFollowsDecisionsAndUndos(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Three clusters of four pictures, pHashes a few bits apart.
	var shas []string
	b := st.NewBatch()
	for c := range 3 {
		base := uint64(0x9e3779b97f4a7c15) * uint64(c+1)
		for k := range 4 {
			sha := fmt.Sprintf("%064x", c*10+k+1)
			h := fmt.Sprintf("%016x", base^uint64(k)<<(8*k))
			shas = append(shas, sha)
			b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/" + sha, SHA256: sha},
				Media: &store.Media{SHA256: sha, Kind: "picture", Type: "jpeg", PHash: h, DHash: h}})
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	ctx := context.Background()
	cluster := func(c int) []string { return shas[c*4 : c*4+4] }
	want := func(step string, shas []string, cat, kind string) {
		t.Helper()
		for _, sha := range shas {
			got, _, _ := st.Category(sha)
			if got.Category != cat || (cat != "" && kind != "" && got.Source[:len(kind)] != kind) {
				t.Fatalf("%s: %s… shows %+v, want %q from %s", step, sha[60:], got, cat, kind)
			}
		}
	}
	decide := func(code, sha string) {
		t.Helper()
		if err := e.Record(ctx, "alice", code, []string{sha}); err != nil {
			t.Fatal(err)
		}
		if err := e.SuggestFrom(ctx, []string{sha}); err != nil {
			t.Fatal(err)
		}
	}
	undo := func(sha string) {
		t.Helper()
		if _, err := e.Undo(ctx, "alice", sha); err != nil {
			t.Fatal(err)
		}
		if err := e.SuggestFrom(ctx, []string{sha}); err != nil {
			t.Fatal(err)
		}
	}
	decide("1", cluster(0)[0])
	want("after 1", cluster(0)[1:], "1", "suggested")
	want("other clusters untouched", append(cluster(1), cluster(2)...), "", "")
	decide("3", cluster(0)[0])
	want("after 3", cluster(0)[1:], "3", "suggested")
	undo(cluster(0)[0])
	want("after one undo", cluster(0)[1:], "1", "suggested")
	undo(cluster(0)[0])
	want("after both undone", cluster(0), "", "")

	// The same case through a full Suggest gives the same categories.
	decide("2", cluster(1)[2])
	full := NewEngine(st, scheme)
	if err := full.Suggest(ctx); err != nil {
		t.Fatal(err)
	}
	want("full pass agrees", cluster(1)[:2], "2", "suggested")
	want("full pass agrees", cluster(0), "", "")
}
