package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export"
	"scrim/export/court"
	"scrim/testdata/demo"
)

// TestE01SegmentsInZipCLI: an E01 that ewfacquire split into 1 MiB
// segments, all deflated in one ZIP: `scrim files` lists the pictures
// inside the FAT image it holds, the deleted one too, with no note on the
// segments; the court package reads the deleted picture back through the
// ZIP and the joined segments and checks its SHA-256.
func TestE01SegmentsInZipCLI(t *testing.T) {
	for _, tool := range [][2]string{{"mkfs.vfat", "dosfstools"}, {"mcopy", "mtools"}, {"ewfacquire", "ewf-tools"}, {"zip", "zip"}} {
		needTool(t, tool[0], tool[1])
	}
	const pass = "Sentencing hearing 2026-12-04"
	work := t.TempDir()
	names, err := demo.GenerateJPEGs(filepath.Join(work, "src"), 3, 160, 120, 85, 41)
	if err != nil {
		t.Fatal(err)
	}
	pic := func(i int) []byte { return mustRead(t, names[i]) }
	filler := make([]byte, 3<<20) // spreads the E01 over several segments
	for i := range filler {
		filler[i] = byte(i*7919>>3) ^ byte(i>>11)
	}
	if err := os.WriteFile(filepath.Join(work, "filler.bin"), filler, 0o644); err != nil {
		t.Fatal(err)
	}
	card := filepath.Join(work, "card.raw")
	fatCard(t, work, card, append(names, filepath.Join(work, "filler.bin")), names[2])
	segDir := filepath.Join(work, "segs")
	os.MkdirAll(segDir, 0o755)
	fixtureCmd(t, work, "ewfacquire", "-u", "-q", "-t", filepath.Join(segDir, "disk"), "-f", "encase6", "-c", "none", "-S", "1MiB",
		"-C", "CASE-14", "-E", "EXH-14", "-e", "examiner", "-D", "split", "-N", "none", "-m", "removable", "-M", "physical", card)
	segs, _ := filepath.Glob(filepath.Join(segDir, "disk.E*"))
	if len(segs) < 3 {
		t.Fatalf("ewfacquire wrote %v", segs)
	}
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	args := []string{"-q", filepath.Join(ev, "seized.zip")}
	for _, s := range segs {
		args = append(args, filepath.Base(s))
	}
	zipTool(t, segDir, args...)

	caseDir := filepath.Join(work, "case")
	r := scrimStdin(t, "", "ingest", "--case", caseDir, "--progress", "none", ev)
	if r.code != 0 {
		t.Fatalf("ingest: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "segment") || strings.Contains(r.stderr, "disk.E0") {
		t.Errorf("ingest notes a segment although all are in the ZIP:\n%s", r.stderr)
	}
	byPath := map[string]export.FileRow{}
	for _, r := range readRows(t, caseDir) {
		byPath[r.Path] = r
	}
	sha := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	for i := range 2 {
		p := "/seized.zip » disk.E01 » whole disk (fat12) » /DCIM/" + filepath.Base(names[i])
		if r, ok := byPath[p]; !ok || !r.Embedded || r.SHA256 != sha(pic(i)) || r.Type != "jpeg" {
			t.Errorf("%s: %+v (found %v)", p, r, ok)
		}
	}
	var deleted export.FileRow
	for p, r := range byPath {
		if strings.HasPrefix(p, "/seized.zip » disk.E01 » whole disk (fat12, deleted, inode ") && r.Deleted && !r.Carved {
			deleted = r
		}
		if strings.Contains(p, "disk.E02 » ") {
			t.Errorf("a later segment walked as a disk: %s", p)
		}
	}
	if deleted.SHA256 != sha(pic(2)) {
		t.Fatalf("deleted picture inside the split E01: %+v", deleted)
	}

	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "1", deleted.SHA256)
	bundle := filepath.Join(work, "bundle"+court.Ext)
	if r := scrimStdin(t, pass+"\n", "export", "--case", caseDir, "--format", "court", "--passphrase-stdin", "--out", bundle, "--examiner", "alice"); r.code != 0 {
		t.Fatalf("export court: exit %d\n%s", r.code, r.stderr)
	}
	b, err := court.Open(bundle, pass)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := b.Original(deleted.SHA256)
	if err != nil || !bytes.Equal(orig, pic(2)) {
		t.Fatalf("original of the deleted picture from the bundle: %d bytes, %v", len(orig), err)
	}
}
