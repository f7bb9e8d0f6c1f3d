package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export"
	"scrim/testdata/demo"
)

func rowsBySHA(rows []export.FileRow) map[string]export.FileRow {
	out := map[string]export.FileRow{}
	for _, r := range rows {
		out[r.SHA256] = r
	}
	return out
}

// TestKnownMaterialAndDecisions walks the examiner's day: hash sets sort out
// the known pictures, near-duplicates of known pictures get suggestions, two
// sets that disagree are shown as a conflict, an examiner's decision beats
// them all and is kept as history, and a later ingest is matched too.
func TestKnownMaterialAndDecisions(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, root)
	byPath := map[string]export.FileRow{}
	for _, r := range readRows(t, caseDir) {
		byPath[r.Path] = r
	}
	// "Known" material is simulated with benign pictures: scene 0's original
	// plays a picture known to a VICS set, two other files known-good.
	var known, knownGood []export.FileRow
	var nearDups []export.FileRow
	for _, f := range man.Files {
		r := byPath["/"+f.Path]
		switch {
		case f.Scene == 0 && f.Variant == "original":
			known = append(known, r)
		case f.Scene == 0 && (f.Variant == "resized" || f.Variant == "recompressed"):
			nearDups = append(nearDups, r)
		case f.Kind == "other" && r.MD5 != "" && len(knownGood) < 2 && r.Size > 0:
			knownGood = append(knownGood, r)
		}
	}
	if len(known) != 1 || len(nearDups) == 0 || len(knownGood) != 2 {
		t.Fatalf("fixture: %d known, %d near-duplicates, %d known-good", len(known), len(nearDups), len(knownGood))
	}
	dir := t.TempDir()
	vics := filepath.Join(dir, "vics.json")
	os.WriteFile(vics, []byte("\ufeff"+fmt.Sprintf(`{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml/$metadata#Media","value":[
{"MediaID":"1","Category":"1","MD5":"%s","SHA1":"","IsDistributed":"true","Series":"benign-test"},
{"MediaID":"2","Category":null,"MD5":"00000000000000000000000000000000"}]}`, strings.ToUpper(known[0].MD5))), 0o644)
	out := mustScrim(t, "hashset", "import", "--case", caseDir, "--format", "vics", "--name", "vics-test", vics)
	if !strings.Contains(out, "matched 1 media") {
		t.Fatalf("import summary: %s", out)
	}
	list := filepath.Join(dir, "known-good.txt")
	later := []byte("a system file that only a later evidence item holds\n")
	os.WriteFile(list, []byte("# known good\n"+knownGood[0].SHA1+"\n"+knownGood[1].MD5+"\nnot-a-hash\n"+md5hex(later)+"\n"), 0o644)
	out = mustScrim(t, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "5", "--name", "nsrl-like", list)
	if !strings.Contains(out, "matched 2 media") || !strings.Contains(out, "1 bad") {
		t.Fatalf("text import summary: %s", out)
	}
	// A second set disagrees about the known picture.
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte(known[0].SHA256+"\n"), 0o644)
	mustScrim(t, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "3", "--name", "other-lab", other)

	rows := rowsBySHA(readRows(t, caseDir))
	if r := rows[known[0].SHA256]; r.Category != "1" || r.CategorySource != "hashset:vics-test" {
		t.Errorf("known picture: category %q from %q (the stricter of 1 and 3 must show)", r.Category, r.CategorySource)
	}
	for _, g := range knownGood {
		if r := rows[g.SHA256]; r.Category != "5" || r.CategorySource != "hashset:nsrl-like" {
			t.Errorf("%s: category %q from %q", g.Path, r.Category, r.CategorySource)
		}
	}
	for _, n := range nearDups {
		if r := rows[n.SHA256]; r.Category != "1" || !strings.HasPrefix(r.CategorySource, "suggested:"+known[0].SHA256) {
			t.Errorf("near-duplicate %s: category %q from %q", n.Path, r.Category, r.CategorySource)
		}
	}
	conflicts := mustScrim(t, "conflicts", "--case", caseDir)
	if !strings.Contains(conflicts, known[0].SHA256) || !strings.Contains(conflicts, "3 by other-lab") {
		t.Errorf("conflicts: %s", conflicts)
	}
	similar := mustScrim(t, "similar", "--case", caseDir, known[0].SHA256)
	for _, n := range nearDups {
		if !strings.Contains(similar, n.SHA256) {
			t.Errorf("similar does not list %s:\n%s", n.Path, similar)
		}
	}
	if cl := mustScrim(t, "similar", "--case", caseDir, "--clusters"); !strings.Contains(cl, known[0].SHA256) {
		t.Errorf("clusters: %s", cl)
	}

	// The examiner decides; the decision wins and the conflict is settled.
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "4", known[0].SHA256)
	rows = rowsBySHA(readRows(t, caseDir))
	if r := rows[known[0].SHA256]; r.Category != "4" || r.CategorySource != "examiner:alice" {
		t.Errorf("after decision: %q from %q", r.Category, r.CategorySource)
	}
	if c := mustScrim(t, "conflicts", "--case", caseDir); strings.Contains(c, known[0].SHA256) {
		t.Errorf("decided media still listed as a conflict: %s", c)
	}
	if r := scrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "9", known[0].SHA256); r.code == 0 || !strings.Contains(r.stderr, "not in scheme") {
		t.Errorf("unknown category accepted: %+v", r)
	}

	// A later ingest is matched against the sets already imported.
	more := filepath.Join(t.TempDir(), "phone2")
	os.MkdirAll(more, 0o755)
	os.WriteFile(filepath.Join(more, "system.dll"), later, 0o644)
	mustScrim(t, "ingest", "--case", caseDir, more)
	sc := bufio.NewScanner(strings.NewReader(mustScrim(t, "files", "--case", caseDir, "--evidence", "phone2")))
	var r export.FileRow
	for sc.Scan() {
		json.Unmarshal(sc.Bytes(), &r)
	}
	if r.Category != "5" || r.CategorySource != "hashset:nsrl-like" {
		t.Errorf("file ingested after the import: %+v", r)
	}

	// Every step is in the audit log, chained and intact.
	if out := mustScrim(t, "audit", "verify", "--case", caseDir); !strings.Contains(out, "audit log intact") {
		t.Errorf("audit verify: %s", out)
	}
	log := mustScrim(t, "audit", "show", "--case", caseDir, "--json")
	for _, want := range []string{`"action":"ingest"`, `"action":"hashset-import"`, `"name":"vics-test"`,
		`"action":"categorize"`, `"old":"1"`, `"new":"4"`, `"actor":"alice"`} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %s:\n%s", want, log)
		}
	}
}

func rowsByPath(rows []export.FileRow) map[string]export.FileRow {
	out := map[string]export.FileRow{}
	for _, r := range rows {
		out[r.Path] = r
	}
	return out
}
