package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/lab/labtest"
	"scrim/testdata/demo"
)

// The unit's library through the real scrim binary: case A's decisions,
// made before a lab was set, reach the lab with `scrim lab send`; case B
// of the same evidence ingested with the lab set gets them as lab:A-1/...;
// `scrim lab export --format vics` re-imports through `scrim hashset import`;
// the report's method section cites the lab.
func TestLabLibraryCLI(t *testing.T) {
	url := labtest.Database(t)
	t.Setenv("SCRIM_LAB", "")
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(t.TempDir(), "a")
	mustScrim(t, "ingest", "--case", a, root)
	byPath := rowsByPath(readRows(t, a))
	var pics []string
	for _, f := range man.Files {
		if f.Variant == "original" && f.Kind == "picture" {
			pics = append(pics, byPath["/"+f.Path].SHA256)
		}
	}
	mustScrim(t, "lab", "case", "--case", a, "--number", "A-1")
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "1", pics[0], pics[1])
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "3", pics[2])
	if out := mustScrim(t, "lab", "case", "--case", a, "--json"); !strings.Contains(out, `"waiting":3`) {
		t.Fatalf("lab case: %s", out)
	}
	mustScrim(t, "lab", "init", "--lab", url)
	if out := mustScrim(t, "lab", "send", "--case", a, "--lab", url); !strings.Contains(out, "3 record(s) sent") {
		t.Fatalf("lab send: %s", out)
	}
	if out := mustScrim(t, "lab", "send", "--case", a, "--lab", url); !strings.Contains(out, "0 record(s) sent") {
		t.Fatalf("second lab send: %s", out)
	}
	t.Setenv("SCRIM_LAB", url)
	// A decision with the lab set goes out at once.
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "2", pics[3])
	var counts []map[string]any
	if err := json.Unmarshal([]byte(mustScrim(t, "lab", "library", "--json")), &counts); err != nil || len(counts) != 3 {
		t.Fatalf("lab library: %v %v", counts, err)
	}

	b := filepath.Join(t.TempDir(), "b")
	r := scrim(t, "ingest", "--case", b, root)
	if r.code != 0 || !strings.Contains(r.stderr, "4 media matched the library exactly") {
		t.Fatalf("ingest with the lab: %d %s %s", r.code, r.stdout, r.stderr)
	}
	got := rowsBySHA(readRows(t, b))
	if row := got[pics[0]]; row.Category != "1" || !strings.HasPrefix(row.CategorySource, "lab:A-1/alice") {
		t.Fatalf("case B %+v", row)
	}
	report := filepath.Join(t.TempDir(), "b.html")
	mustScrim(t, "export", "--case", b, "--format", "html", "--out", report)
	if rep := string(mustRead(t, report)); !strings.Contains(rep, "Lab library used") || !strings.Contains(rep, "A-1") {
		t.Fatalf("report has no lab section:\n%s", rep)
	}

	vics := filepath.Join(t.TempDir(), "lab.json")
	mustScrim(t, "lab", "export", "--format", "vics", "--out", vics)
	c := filepath.Join(t.TempDir(), "c")
	t.Setenv("SCRIM_LAB", "")
	mustScrim(t, "ingest", "--case", c, root)
	mustScrim(t, "hashset", "import", "--case", c, "--format", "vics", "--name", "lab", vics)
	gotC := rowsBySHA(readRows(t, c))
	for i, want := range []string{"1", "1", "3", "2"} {
		if row := gotC[pics[i]]; row.Category != want || row.CategorySource != "hashset:lab" {
			t.Errorf("re-imported %s: %+v, want %s", pics[i], row, want)
		}
	}
	if _, err := os.Stat(vics); err != nil {
		t.Fatal(err)
	}
}
