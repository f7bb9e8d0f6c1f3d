package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
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

// TestVICSExportUKModel: a CAID case exports the VICS UK data model, which
// re-imports into another CAID case with the same categories, into a
// Project VIC US case only with the examiner's mapping of the codes that
// have no safe one, and not at all from an Oliver case.
func TestVICSExportUKModel(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(t.TempDir(), "a")
	mustScrim(t, "ingest", "--case", a, "--scheme", "caid-uk", root)
	byPath := rowsByPath(readRows(t, a))
	var pics []string
	for _, f := range man.Files {
		if f.Variant == "original" && f.Kind == "picture" {
			pics = append(pics, byPath["/"+f.Path].SHA256)
		}
	}
	list := filepath.Join(t.TempDir(), "known.txt")
	os.WriteFile(list, []byte(pics[0]+"\n"), 0o644)
	mustScrim(t, "hashset", "import", "--case", a, "--format", "text", "--category", "A", "--name", "lab-a", list)
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "B", pics[1])
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "C", pics[2])
	mustScrim(t, "categorize", "--case", a, "--examiner", "alice", "--category", "N", pics[3])

	out := filepath.Join(t.TempDir(), "a.json")
	mustScrim(t, "export", "--case", a, "--format", "vics", "--out", out)
	doc := string(mustRead(t, out))
	if !strings.Contains(doc, `"@odata.context":"http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"`) {
		t.Fatalf("not the UK data model:\n%.300s", doc)
	}
	for _, c := range []string{`"Category":1`, `"Category":2`, `"Category":3`, `"Category":4`} {
		if !strings.Contains(doc, c) {
			t.Errorf("export lacks %s", c)
		}
	}

	// Into a CAID case: the same categories.
	b := filepath.Join(t.TempDir(), "b")
	mustScrim(t, "ingest", "--case", b, "--scheme", "caid-uk", root)
	mustScrim(t, "hashset", "import", "--case", b, "--format", "vics", "--name", "from-a", out)
	want, got := rowsBySHA(readRows(t, a)), rowsBySHA(readRows(t, b))
	for _, sha := range pics[:4] {
		if got[sha].Category != want[sha].Category || got[sha].CategorySource != "hashset:from-a" {
			t.Errorf("%s: case A %q, case B %q from %q", want[sha].Path, want[sha].Category, got[sha].Category, got[sha].CategorySource)
		}
	}

	// Into a Project VIC US case: CAID C and non-indecent have no safe
	// VICS US category; the import is refused, naming them, until mapped.
	c := filepath.Join(t.TempDir(), "c")
	mustScrim(t, "ingest", "--case", c, root)
	r := scrim(t, "hashset", "import", "--case", c, "--format", "vics", "--name", "from-a", out)
	if r.code == 0 || !strings.Contains(r.stderr, "code 3 (CAID Category C): 1 record; code 4 (CAID non-indecent): 1 record") {
		t.Fatalf("import into vic-us without --map: exit %d, %s", r.code, r.stderr)
	}
	if rows := rowsBySHA(readRows(t, c)); rows[pics[0]].Category != "" {
		t.Fatal("a refused import categorized media")
	}
	sum := mustScrim(t, "hashset", "import", "--case", c, "--format", "vics", "--name", "from-a", "--map", "3=2,4=4", out)
	if !strings.Contains(sum, "category mapping: VICS UK → vic-us: 0 not assessed → 0 [0 records]; 1 CAID Category A → 1 [1 record]; 2 CAID Category B → 1 [1 record]; 3 CAID Category C → 2 (--map) [1 record]; 4 CAID non-indecent → 4 (--map) [1 record]") {
		t.Errorf("summary:\n%s", sum)
	}
	rows := rowsBySHA(readRows(t, c))
	for i, w := range []string{"1", "1", "2", "4"} {
		if rows[pics[i]].Category != w {
			t.Errorf("%s: %q, want %s", rows[pics[i]].Path, rows[pics[i]].Category, w)
		}
	}
	if l := mustScrim(t, "hashset", "list", "--case", c); !strings.Contains(l, "3 CAID Category C → 2 (--map)") {
		t.Errorf("hashset list does not show the mapping:\n%s", l)
	}

	// The report's method section prints the mapping used for the set.
	if pdftotext, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext missing (poppler-utils): report mapping not checked")
	} else {
		pdf := filepath.Join(t.TempDir(), "c.pdf")
		mustScrim(t, "export", "--case", c, "--format", "pdf", "--out", pdf)
		txt, err := exec.Command(pdftotext, "-enc", "UTF-8", pdf, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(string(txt)), " ")
		for _, w := range []string{"Hash set from-a", "Category mapping", "VICS UK → vic-us: 0 not assessed → 0", "3 CAID Category C → 2 (--map) [1 record]", "4 CAID non-indecent → 4 (--map)"} {
			if !strings.Contains(flat, w) {
				t.Errorf("report lacks %q:\n%s", w, flat)
			}
		}
	}

	// An Oliver case has no VICS model: refused, nothing written.
	d := filepath.Join(t.TempDir(), "d")
	mustScrim(t, "ingest", "--case", d, "--scheme", "oliver", root)
	dOut := filepath.Join(t.TempDir(), "d.json")
	if r := scrim(t, "export", "--case", d, "--format", "vics", "--out", dOut); r.code == 0 || !strings.Contains(r.stderr, "no data model for this case's scheme oliver") {
		t.Errorf("oliver export: exit %d, %s", r.code, r.stderr)
	}
	if _, err := os.Stat(dOut); err == nil {
		t.Error("refused export left a file")
	}
}
