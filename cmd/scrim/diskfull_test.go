package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/testdata/demo"
)

// An ingest into a case on a nearly full disk stops at its first commit
// with a plain message, not Badger's SIGBUS on a mapped write, and leaves
// the evidence interrupted; once there is room the same command resumes
// and finishes it. The small disk is a real tmpfs (root only).
func TestIngestStopsOnAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small disk needs root")
	}
	base := t.TempDir()
	disk := filepath.Join(base, "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", disk).Run()
	ev := filepath.Join(base, "evidence")
	if _, err := demo.GenerateJPEGs(ev, 6, 160, 120, 85, 3); err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Join(disk, "case")
	r := scrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	if r.code == 0 || !strings.Contains(r.stderr, "too little free space on the case's disk") || strings.Contains(r.stderr, "SIGBUS") {
		t.Fatalf("ingest on a full disk: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if out := mustScrim(t, "stats", "--case", caseDir); !strings.Contains(out, "interrupted") {
		t.Fatalf("after the refused ingest, stats:\n%s", out)
	}
	// Room again: the case moves to a larger disk and the same ingest resumes.
	moved := filepath.Join(base, "case")
	if out, err := exec.Command("cp", "-a", caseDir, moved).CombinedOutput(); err != nil {
		t.Fatalf("move the case: %v %s", err, out)
	}
	mustScrim(t, "ingest", "--case", moved, "--progress", "none", ev)
	if out := mustScrim(t, "stats", "--case", moved); !strings.Contains(out, "complete") || !strings.Contains(out, " 6 ") {
		t.Fatalf("after the resumed ingest, stats:\n%s", out)
	}
}
