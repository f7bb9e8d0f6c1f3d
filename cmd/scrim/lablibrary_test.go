package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/lab"
	"scrim/lab/labtest"
	"scrim/profile"
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
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("SCRIM_HOME", home)
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
	if rep := string(mustRead(t, report)); !strings.Contains(rep, "Lab library used") || !strings.Contains(rep, "A-1") ||
		!strings.Contains(rep, "Category from the lab library (cases A-1; examiners alice)") {
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

	// An undo from the command line sends its withdrawal at once, as a
	// decision does...
	t.Setenv("SCRIM_LAB", url)
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--undo", pics[3])
	if out := mustScrim(t, "lab", "case", "--case", a, "--json"); !strings.Contains(out, `"waiting":0`) {
		t.Fatalf("lab case after an undo: %s", out)
	}
	// ... and leaves it in the outbox while the lab is out of reach.
	t.Setenv("SCRIM_LAB", "postgres://nobody@127.0.0.1:1/none?connect_timeout=5")
	if r := scrim(t, "categorize", "--case", a, "--examiner", "alice", "--undo", pics[2]); r.code != 0 || !strings.Contains(r.stderr, "wait for the lab") {
		t.Fatalf("undo with the lab away: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if out := mustScrim(t, "lab", "case", "--case", a, "--json"); !strings.Contains(out, `"waiting":1`) {
		t.Fatalf("lab case after an undo with the lab away: %s", out)
	}
	if out := mustScrim(t, "lab", "send", "--case", a, "--lab", url); !strings.Contains(out, "1 record(s) sent") {
		t.Fatalf("lab send of the undo: %s", out)
	}
	// Every record and withdrawal names the workstation as the desk does:
	// by the workstation store's ID in the lab.
	ws, err := profile.WorkstationID(home)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var names []string
	var withdrawn int
	if err := l.Pool().QueryRow(context.Background(), `SELECT array_agg(DISTINCT w), (SELECT count(*) FROM withdrawals)
		FROM (SELECT workstation FROM library UNION ALL SELECT workstation FROM withdrawals) AS x(w)`).Scan(&names, &withdrawn); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != ws || withdrawn != 2 {
		t.Fatalf("records name workstations %q (want only %q), %d withdrawals (want 2)", names, ws, withdrawn)
	}
}
