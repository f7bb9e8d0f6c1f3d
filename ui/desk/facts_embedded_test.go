package desk

import (
	"path/filepath"
	"strings"
	"testing"

	"scrim/store"
	"scrim/ui/review"
)

// TestFactsOfEmbeddedPlace: a picture found only inside an archive says
// "embedded" under its tile, with its own name, not the archive's.
func TestFactsOfEmbeddedPlace(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var it review.Item
	it.SHA[0] = 0xab
	sha := it.Hex()
	parent := store.Occurrence{Evidence: "ex1", Path: "/archive/pics.zip", SHA256: strings.Repeat("cd", 32)}
	member := store.Occurrence{Evidence: "ex1", Path: "/archive/pics.zip » cam/beach.jpg", Embedded: true,
		Parent: store.OccurrenceKey(parent), Member: "cam/beach.jpg", SHA256: sha}
	b := st.NewBatch()
	for _, r := range []store.FileRecord{
		{Occurrence: parent, Media: &store.Media{SHA256: parent.SHA256, Kind: "other"}},
		{Occurrence: member, Media: &store.Media{SHA256: sha, Kind: "picture"}},
	} {
		if _, err := b.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	w := &Workstation{st: st, facts: map[[32]byte]tileFacts{}}
	f := w.factsOf(it)
	if f.err != nil || f.found != "embedded" || f.name != "beach.jpg" || f.places != 1 {
		t.Fatalf("facts %+v", f)
	}
}
