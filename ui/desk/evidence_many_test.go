package desk

import (
	"os"
	"path/filepath"
	"testing"

	"scrim/ingest"
)

// TestOpenCaseIngestsEveryEvidencePath: scrim-desktop --evidence A
// --evidence B opens the case and ingests both, one background run, each
// its own evidence item, as scrim ingest A B does.
func TestOpenCaseIngestsEveryEvidencePath(t *testing.T) {
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, name := range []string{"card-a", "card-b"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "note.txt"), []byte("evidence "+name), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, dir)
	}
	if err := f.ws.OpenCase(filepath.Join(t.TempDir(), "case"), paths); err != nil {
		t.Fatalf("open a case with two evidence paths: %v", err)
	}
	if err := f.ws.WaitIngest(); err != nil {
		t.Fatal(err)
	}
	evs, err := f.ws.st.ListEvidence()
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d evidence items after opening with two paths, want 2: %+v", len(evs), evs)
	}
	for _, e := range evs {
		if e.Status != ingest.StatusComplete {
			t.Errorf("evidence %s: status %q, want %q", e.ID, e.Status, ingest.StatusComplete)
		}
	}
}
