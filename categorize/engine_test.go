package categorize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/store"
)

func TestPrecedence(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	sha := strings.Repeat("ab", 32)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := func(a store.Assignment, wantCat, wantSource string, conflict int) {
		t.Helper()
		if err := st.AddAssignment(sha, a); err != nil {
			t.Fatal(err)
		}
		c, err := e.Recompute(sha)
		if err != nil {
			t.Fatal(err)
		}
		if c.Category != wantCat || c.Source != wantSource || len(c.Conflict) != conflict {
			t.Fatalf("after %+v: got %+v, want %s from %s with %d conflicts", a, c, wantCat, wantSource, conflict)
		}
	}
	step(store.Assignment{Category: "5", Kind: "suggested", Source: "near1", Distance: 6, At: t0}, "5", "suggested:near1 (d=6)", 0)
	step(store.Assignment{Category: "2", Kind: "suggested", Source: "near2", Distance: 3, At: t0}, "2", "suggested:near2 (d=3)", 0)
	step(store.Assignment{Category: "5", Kind: "hashset", Source: "nsrl", At: t0}, "5", "hashset:nsrl", 0)
	step(store.Assignment{Category: "1", Kind: "hashset", Source: "vics", At: t0}, "1", "hashset:vics", 2)
	step(store.Assignment{Category: "3", Kind: "examiner", Source: "alice", At: t0.Add(time.Hour)}, "3", "examiner:alice", 0)
	step(store.Assignment{Category: "4", Kind: "examiner", Source: "bob", At: t0.Add(2 * time.Hour)}, "4", "examiner:bob", 0)
	// A later hash-set match never silently replaces a person's decision.
	step(store.Assignment{Category: "1", Kind: "hashset", Source: "icse", At: t0.Add(3 * time.Hour)}, "4", "examiner:bob", 0)
	hist, _ := st.Assignments(sha)
	if len(hist) != 7 {
		t.Fatalf("history has %d assignments, want all 7", len(hist))
	}
}

func TestCaseSchemeIsKept(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	custom := filepath.Join(t.TempDir(), "lab.json")
	os.WriteFile(custom, []byte(`{"id":"lab","name":"Lab","categories":[{"code":"X","label":"Relevant","key":"1","severity":2},{"code":"Y","label":"Other","key":"2","severity":1}]}`), 0o644)
	s, err := SetCaseScheme(st, custom)
	if err != nil || s.ID != "lab" {
		t.Fatalf("%+v %v", s, err)
	}
	if s, err := CaseScheme(st); err != nil || s.ID != "lab" || len(s.Categories) != 2 {
		t.Fatalf("reopened scheme %+v %v", s, err)
	}
	if _, err := SetCaseScheme(st, "vic-us"); err == nil {
		t.Fatal("a case changed its scheme")
	}
}
