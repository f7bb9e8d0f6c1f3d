package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export"
	"scrim/export/court"
	"scrim/testdata/demo"
)

// fixtureCmd runs a fixture tool in dir and fails the test when it fails.
func fixtureCmd(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestNestedDiskImagesCLI: a folder holding disk.E01 (a FAT image with
// pictures, one deleted) and backup.zip holding vm.vmdk (another FAT
// image): `scrim files` lists the pictures inside both with their chains,
// embedded, the deleted one still deleted; `scrim stats --json` counts
// them as embedded; a second ingest adds nothing; the court package reads
// the deleted picture back through the E01 and checks its SHA-256.
func TestNestedDiskImagesCLI(t *testing.T) {
	for _, tool := range [][2]string{{"mkfs.vfat", "dosfstools"}, {"mcopy", "mtools"}, {"ewfacquire", "ewf-tools"}, {"qemu-img", "qemu-utils"}, {"zip", "zip"}} {
		needTool(t, tool[0], tool[1])
	}
	const pass = "Sentencing hearing 2026-12-03"
	work := t.TempDir()
	names, err := demo.GenerateJPEGs(filepath.Join(work, "src"), 4, 160, 120, 85, 14)
	if err != nil {
		t.Fatal(err)
	}
	pic := func(i int) []byte { return mustRead(t, names[i]) }
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	card := filepath.Join(work, "card.raw")
	fatCard(t, work, card, names[:3], names[2])
	fixtureCmd(t, work, "ewfacquire", "-u", "-q", "-t", filepath.Join(ev, "disk"), "-f", "encase6", "-c", "deflate:fast",
		"-C", "CASE-9", "-E", "EXH-9", "-e", "examiner", "-D", "nested", "-N", "none", "-m", "removable", "-M", "physical", card)
	vm := filepath.Join(work, "vm.raw")
	fatCard(t, work, vm, names[3:], "")
	fixtureCmd(t, work, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", vm, filepath.Join(work, "vm.vmdk"))
	zipTool(t, work, "-q", filepath.Join(ev, "backup.zip"), "vm.vmdk")

	caseDir := filepath.Join(work, "case")
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	rows := readRows(t, caseDir)
	byPath := map[string]export.FileRow{}
	embedded := 0
	for _, r := range rows {
		byPath[r.Path] = r
		if r.Embedded {
			embedded++
		}
	}
	sha := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	for i, p := range []string{
		"/disk.E01 » whole disk (fat12) » /DCIM/" + filepath.Base(names[0]),
		"/disk.E01 » whole disk (fat12) » /DCIM/" + filepath.Base(names[1]),
		"/backup.zip » vm.vmdk » whole disk (fat12) » /DCIM/" + filepath.Base(names[3]),
	} {
		want := pic(map[int]int{0: 0, 1: 1, 2: 3}[i])
		r, ok := byPath[p]
		if !ok || !r.Embedded || r.Deleted || r.SHA256 != sha(want) || r.Type != "jpeg" || r.Parent == "" {
			t.Errorf("%s: %+v (found %v)", p, r, ok)
		}
	}
	var deleted export.FileRow
	for p, r := range byPath {
		if strings.HasPrefix(p, "/disk.E01 » whole disk (fat12, deleted, inode ") && r.Deleted && !r.Carved {
			deleted = r
		}
	}
	if !deleted.Embedded || deleted.SHA256 != sha(pic(2)) {
		t.Fatalf("deleted picture inside the E01: %+v", deleted)
	}
	s := readStats(t, caseDir)
	if s.Embedded != int64(embedded) || embedded < 5 || s.Live != 2 { // disk.E01 and backup.zip
		t.Errorf("stats %+v, %d embedded rows", s.Counts, embedded)
	}

	var again []struct {
		Added int64 `json:"added"`
	}
	if err := json.Unmarshal([]byte(mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", "--json", ev)), &again); err != nil || len(again) != 1 || again[0].Added != 0 {
		t.Errorf("second ingest: %+v (%v)", again, err)
	}
	if n := len(readRows(t, caseDir)); n != len(rows) {
		t.Errorf("%d places after the second ingest, %d before", n, len(rows))
	}

	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "1", deleted.SHA256)
	out := filepath.Join(work, "bundle"+court.Ext)
	if r := scrimStdin(t, pass+"\n", "export", "--case", caseDir, "--format", "court", "--passphrase-stdin", "--out", out, "--examiner", "alice"); r.code != 0 {
		t.Fatalf("export court: exit %d\n%s", r.code, r.stderr)
	}
	b, err := court.Open(out, pass)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := b.Original(deleted.SHA256)
	if err != nil || !bytes.Equal(orig, pic(2)) {
		t.Fatalf("original of the deleted picture from the bundle: %d bytes, %v", len(orig), err)
	}
}

// fatCard makes img a 4 MiB FAT12 image (mkfs.vfat, mtools) holding files
// in /DCIM, then deletes gone from it (unless empty).
func fatCard(t *testing.T, work, img string, files []string, gone string) {
	t.Helper()
	fixtureCmd(t, work, "mkfs.vfat", "--invariant", "-F", "12", "-n", "CARD", "-C", img, "4096")
	fixtureCmd(t, work, "mmd", "-i", img, "::/DCIM")
	for _, f := range files {
		fixtureCmd(t, work, "mcopy", "-i", img, f, "::/DCIM/"+filepath.Base(f))
	}
	if gone != "" {
		fixtureCmd(t, work, "mdel", "-i", img, "::/DCIM/"+filepath.Base(gone))
	}
}
