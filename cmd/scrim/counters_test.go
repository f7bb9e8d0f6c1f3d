package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"scrim/testdata/demo"
)

// TestStatsCountersFollowReingestAndCategories: the counters `scrim stats`
// reads equal a full recount (`stats --recount` exits 1 otherwise) after an
// ingest with a TAR archive, after a re-ingest in which a loose picture and
// the archive's members changed, and after categorizing.
func TestStatsCountersFollowReingestAndCategories(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	pics, err := demo.GenerateJPEGs(filepath.Join(root, "loose"), 6, 64, 48, 80, 3)
	if err != nil {
		t.Fatal(err)
	}
	members := filepath.Join(t.TempDir(), "members")
	if _, err := demo.GenerateJPEGs(members, 5, 64, 48, 80, 4); err != nil {
		t.Fatal(err)
	}
	tarOf := func() {
		t.Helper()
		if out, err := exec.Command("tar", "-cf", filepath.Join(root, "set.tar"), "-C", members, ".").CombinedOutput(); err != nil {
			t.Fatalf("tar: %v %s", err, out)
		}
	}
	tarOf()
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, root)
	checkCounters(t, caseDir)
	first := readStats(t, caseDir)
	if first.Embedded == 0 || first.Unique == 0 {
		t.Fatalf("fixture: %+v", first.Counts)
	}

	// Re-ingest: one loose picture now holds another's bytes, and the
	// archive is rebuilt with one member replaced.
	b, err := os.ReadFile(pics[1])
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.WriteFile(pics[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(pics[0], later, later)
	entries, _ := os.ReadDir(members)
	if err := os.WriteFile(filepath.Join(members, entries[0].Name()), b, 0o644); err != nil {
		t.Fatal(err)
	}
	tarOf()
	os.Chtimes(filepath.Join(root, "set.tar"), later, later)
	mustScrim(t, "ingest", "--case", caseDir, root)
	checkCounters(t, caseDir)
	if s := readStats(t, caseDir); s.Unique >= first.Unique {
		t.Fatalf("two contents replaced by a copy of another: unique %d, was %d", s.Unique, first.Unique)
	}

	rows := readRows(t, caseDir)
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "4", rows[len(rows)-1].SHA256)
	checkCounters(t, caseDir)
}
