package categorize

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"scrim/store"
)

func TestUndoRestoresWhatCameBefore(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sha := strings.Repeat("cd", 32)
	b := st.NewBatch()
	if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/a.jpg", SHA256: sha},
		Media: &store.Media{SHA256: sha, Kind: "picture", Type: "jpeg"}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	ctx := context.Background()
	want := func(cat, source string) {
		t.Helper()
		c, _, err := st.Category(sha)
		if err != nil || c.Category != cat || c.Source != source {
			t.Fatalf("category %+v %v, want %q from %q", c, err, cat, source)
		}
	}
	if err := st.AddAssignment(sha, store.Assignment{Category: "5", Kind: "hashset", Source: "nsrl", At: clock}); err != nil {
		t.Fatal(err)
	}
	e.Recompute(sha)
	want("5", "hashset:nsrl")
	if err := e.Record(ctx, "alice", "1", []string{sha}); err != nil {
		t.Fatal(err)
	}
	if err := e.Record(ctx, "alice", "2", []string{sha}); err != nil {
		t.Fatal(err)
	}
	want("2", "examiner:alice")
	if _, err := e.Undo(ctx, "alice", sha); err != nil {
		t.Fatal(err)
	}
	want("1", "examiner:alice")
	if _, err := e.Undo(ctx, "alice", sha); err != nil {
		t.Fatal(err)
	}
	// The first decision withdrawn: the hash set shows again.
	want("5", "hashset:nsrl")
	if _, err := e.Undo(ctx, "alice", sha); err == nil {
		t.Fatal("undid a decision that was already withdrawn")
	}
	// Nothing left at all: the media has no category.
	sha2 := strings.Repeat("ef", 32)
	b = st.NewBatch()
	b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/b.jpg", SHA256: sha2},
		Media: &store.Media{SHA256: sha2, Kind: "picture", Type: "jpeg"}})
	b.Flush()
	e.Record(ctx, "bob", "3", []string{sha2})
	if _, err := e.Undo(ctx, "bob", sha2); err != nil {
		t.Fatal(err)
	}
	if c, ok, _ := st.Category(sha2); ok {
		t.Fatalf("category %+v left after the only decision was undone", c)
	}
	var undos int
	st.EachAudit(func(a store.AuditEntry) error {
		if a.Action == "categorize-undo" {
			undos++
		}
		return nil
	})
	if undos != 3 {
		t.Fatalf("%d undo entries in the audit log, want 3", undos)
	}
}

// A decision made while suggestions are being written is never hidden by a
// suggestion's recompute that read the history before it.
func TestDecisionsRaceSuggestions(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var shas []string
	b := st.NewBatch()
	for i := range 200 {
		sha := fmt.Sprintf("%064x", i+1)
		shas = append(shas, sha)
		b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: fmt.Sprintf("/%d.jpg", i), SHA256: sha},
			Media: &store.Media{SHA256: sha, Kind: "picture", Type: "jpeg"}})
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 { // suggestion passes writing to every media, repeatedly
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 5 {
				for _, sha := range shas[g*50:] {
					a := store.Assignment{Category: "5", Kind: "suggested", Source: fmt.Sprint("near", g, round), Distance: 4, At: time.Now()}
					if err := st.AddAssignment(sha, a); err != nil {
						t.Error(err)
						return
					}
					if _, err := e.Recompute(sha); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	for _, sha := range shas {
		if err := e.Record(ctx, "alice", "1", []string{sha}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	for _, sha := range shas {
		if c, _, _ := st.Category(sha); c.Category != "1" || c.Source != "examiner:alice" {
			t.Fatalf("%s shows %+v after alice decided 1", sha[:8], c)
		}
	}
}
