package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/testdata/demo"
)

// TestVICSExportRoundTrip: the categories decided in one case travel as VICS
// JSON to a fresh case of the same evidence and come out identical; the
// export is deterministic and the CSV opens with encoding/csv.
func TestVICSExportRoundTrip(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(t.TempDir(), "a")
	mustScrim(t, "ingest", "--case", a, root)
	rows := readRows(t, a)
	byPath := rowsByPath(rows)
	var pics []string
	for _, f := range man.Files {
		if f.Variant == "original" && f.Kind == "picture" {
			pics = append(pics, byPath["/"+f.Path].SHA256)
		}
	}
	list := filepath.Join(t.TempDir(), "known.txt")
	os.WriteFile(list, []byte(pics[0]+"\n"+pics[1]+"\n"), 0o644)
	mustScrim(t, "hashset", "import", "--case", a, "--format", "text", "--category", "1", "--name", "lab-a", list)
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "3", pics[2], pics[3])
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "5", pics[4])

	out1, out2 := filepath.Join(t.TempDir(), "a1.json"), filepath.Join(t.TempDir(), "a2.json")
	mustScrim(t, "export", "--case", a, "--format", "vics", "--out", out1)
	mustScrim(t, "export", "--case", a, "--format", "vics", "--out", out2)
	if !bytes.Equal(mustRead(t, out1), mustRead(t, out2)) {
		t.Fatal("two exports of the same case differ")
	}
	if !strings.Contains(string(mustRead(t, out1)), `"Category":0`) {
		t.Error("non-pertinent (Scrim 5) must be VICS category 0")
	}

	b := filepath.Join(t.TempDir(), "b")
	mustScrim(t, "ingest", "--case", b, root)
	mustScrim(t, "hashset", "import", "--case", b, "--format", "vics", "--name", "from-a", out1)
	want, got := rowsBySHA(readRows(t, a)), rowsBySHA(readRows(t, b))
	categorized := 0
	for sha, r := range want {
		if got[sha].Category != r.Category {
			t.Errorf("%s: case A %q (%s), case B %q (%s)", r.Path, r.Category, r.CategorySource, got[sha].Category, got[sha].CategorySource)
		}
		if r.Category != "" {
			categorized++
		}
	}
	if categorized < 5 {
		t.Fatalf("only %d categorized media to compare", categorized)
	}

	csvOut := filepath.Join(t.TempDir(), "a.csv")
	mustScrim(t, "export", "--case", a, "--format", "csv", "--out", csvOut)
	recs, err := csv.NewReader(bytes.NewReader(mustRead(t, csvOut))).ReadAll()
	if err != nil || len(recs) != len(rows)+1 {
		t.Fatalf("csv: %d records for %d rows, %v", len(recs), len(rows), err)
	}
	if log := mustScrim(t, "audit", "show", "--case", a, "--json"); strings.Count(log, `"action":"export"`) != 3 {
		t.Errorf("exports not all audited:\n%s", log)
	}
}
