package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/export/court"
	"scrim/testdata/demo"
)

// TestCourtBundleCLI: demo evidence ingested and categorized, exported as a
// court bundle, verified and shown by the CLI, opened through the Go API
// (originals equal the evidence files), with exposures appended and damage
// detected; no picture byte is readable in the file.
func TestCourtBundleCLI(t *testing.T) {
	const pass = "Sentencing hearing 2026-11-30"
	root := filepath.Join(t.TempDir(), "evidence")
	man, err := demo.Generate(root, demo.Options{Seed: 11, Scenes: demo.MinScenes, Size: 256})
	if err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Join(t.TempDir(), "R-v-Doe")
	mustScrim(t, "ingest", "--case", caseDir, "--examiner", "alice", root)
	byPath := rowsByPath(readRows(t, caseDir))
	var pics []string
	for _, f := range man.Files {
		if f.Variant == "original" && f.Kind == "picture" {
			pics = append(pics, byPath["/"+f.Path].SHA256)
		}
	}
	list := filepath.Join(t.TempDir(), "known.txt")
	os.WriteFile(list, []byte(pics[0]+"\n"), 0o644)
	mustScrim(t, "hashset", "import", "--case", caseDir, "--format", "text", "--category", "1", "--name", "lab", list)
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "1", pics[1], pics[2])
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "3", pics[3])

	out := filepath.Join(t.TempDir(), "R-v-Doe"+court.Ext)
	exp := []string{"export", "--case", caseDir, "--format", "court", "--passphrase-stdin", "--out", out, "--examiner", "alice"}
	if r := scrimStdin(t, "too short\n", exp...); r.code != 2 || !strings.Contains(r.stderr, "at least 12") {
		t.Fatalf("short passphrase: exit %d %s", r.code, r.stderr)
	}
	start := time.Now()
	r := scrimStdin(t, pass+"\n", exp...)
	if r.code != 0 {
		t.Fatalf("export court: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("export court: %v: %s", time.Since(start).Round(time.Millisecond), r.stdout)
	raw := mustRead(t, out)
	sum := sha256.Sum256(raw)
	hexSum := hex.EncodeToString(sum[:])
	if !strings.Contains(r.stdout, "3 media of categories 1 (3 originals, 0 thumbnail only") || !strings.Contains(r.stdout, hexSum) {
		t.Fatalf("export says %q; file sha256 %s", r.stdout, hexSum)
	}
	if side := string(mustRead(t, out+".sha256")); side != hexSum+"  "+filepath.Base(out)+"\n" {
		t.Fatalf("sidecar %q", side)
	}
	// No plaintext: no picture's first 64 bytes, no JPEG or PDF start, no names.
	for _, f := range man.Files {
		data, err := os.ReadFile(filepath.Join(root, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) >= 64 && bytes.Contains(raw, data[:64]) {
			t.Errorf("the start of %s is readable in the bundle", f.Path)
		}
	}
	for _, s := range []string{"\xff\xd8\xff", "%PDF", "alice", pics[1]} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("%q is readable in the bundle", s)
		}
	}

	v := scrimStdin(t, pass+"\n", "court", "verify", "--passphrase-stdin", out)
	if v.code != 0 || !strings.Contains(v.stdout, "content: verified") || !strings.Contains(v.stdout, "3 originals re-hashed") ||
		!strings.Contains(v.stdout, "matches") || !strings.Contains(v.stdout, "exposure record: 0 entries") {
		t.Fatalf("verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	if w := scrimStdin(t, "not the passphrase\n", "court", "verify", "--passphrase-stdin", out); w.code != 1 || !strings.Contains(w.stderr, "wrong passphrase") {
		t.Fatalf("wrong passphrase: exit %d %s", w.code, w.stderr)
	}

	// The desktop's side: the Go API.
	b, err := court.Open(out, pass)
	if err != nil {
		t.Fatal(err)
	}
	ix := b.Index()
	if len(ix.Media) != 3 || ix.CreatedBy != "alice" || ix.CaseNumber != "R-v-Doe" || len(ix.Attached) != 1 {
		t.Fatalf("index %+v", ix)
	}
	rep, err := b.Attachment("report.pdf")
	if err != nil || !bytes.HasPrefix(rep, []byte("%PDF")) {
		t.Fatalf("report: %.10q %v", rep, err)
	}
	for _, m := range b.Media() {
		orig, err := b.Original(m.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		evPath := strings.TrimPrefix(m.OriginalFrom, "evidence:")
		if want := mustRead(t, filepath.Join(root, filepath.FromSlash(evPath))); !bytes.Equal(orig, want) {
			t.Errorf("%s: original differs from %s", m.SHA256, evPath)
		}
		if th, err := b.Thumbnail(m.SHA256); err != nil || !bytes.HasPrefix(th, []byte("\xff\xd8\xff")) {
			t.Errorf("%s: thumbnail %v", m.SHA256, err)
		}
	}
	for i, mode := range []string{"unblurred", "colour"} {
		if err := b.AppendExposure(court.ExposureRecord{Viewer: "Judge Smith", SHA256: ix.Media[i].SHA256, Mode: mode, Start: start, DurationMS: 3000}); err != nil {
			t.Fatal(err)
		}
	}
	b.Close()
	v = scrimStdin(t, pass+"\n", "court", "verify", "--passphrase-stdin", out)
	if v.code != 0 || !strings.Contains(v.stdout, "matches") || !strings.Contains(v.stdout, "exposure record: 2 entries, chain intact") {
		t.Fatalf("verify after exposures: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	s := scrimStdin(t, pass+"\n", "court", "show", "--passphrase-stdin", out)
	if s.code != 0 || !strings.Contains(s.stdout, "media:       3") || !strings.Contains(s.stdout, "Judge Smith") || !strings.Contains(s.stdout, "Child abuse material") {
		t.Fatalf("show: exit %d\n%s%s", s.code, s.stdout, s.stderr)
	}

	js := scrimStdin(t, pass+"\n", "court", "show", "--json", "--passphrase-stdin", out)
	var shown struct {
		Index     court.Index            `json:"index"`
		Exposures []court.ExposureRecord `json:"exposures"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &shown); err != nil || len(shown.Index.Media) != 3 || len(shown.Exposures) != 2 {
		t.Fatalf("show --json: %v %s", err, js.stdout)
	}

	// A byte changed in the content, then in an exposure record.
	after := mustRead(t, out)
	for _, at := range []int{len(raw) / 2, len(raw) + 30} {
		bad := bytes.Clone(after)
		bad[at] ^= 1
		os.WriteFile(out, bad, 0o600)
		if v := scrimStdin(t, pass+"\n", "court", "verify", "--passphrase-stdin", out); v.code != 1 || !strings.Contains(v.stdout+v.stderr, "FAILED") && !strings.Contains(v.stderr, "damaged or was altered") {
			t.Errorf("byte %d flipped: verify exit %d\n%s%s", at, v.code, v.stdout, v.stderr)
		}
	}
	if log := mustScrim(t, "audit", "show", "--case", caseDir, "--json"); !strings.Contains(log, `"format":"court"`) || !strings.Contains(log, hexSum) {
		t.Errorf("export not audited:\n%s", log)
	}
}

// TestCourtBundleFromDiskImage: originals are read back out of a disk image
// (MBR, FAT32 + FAT16, deleted files) by walking it again.
func TestCourtBundleFromDiskImage(t *testing.T) {
	const pass = "twelve chars at least"
	img, src := fatDisk(t)
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, "--evidence", "EXH-1", img)
	want := map[string]string{} // sha256 → source file
	var deleted []string
	for _, r := range readRows(t, caseDir) {
		if r.Kind != "picture" || r.Error != "" || r.Carved {
			continue
		}
		if r.Deleted {
			deleted = append(deleted, r.SHA256)
		} else if len(want) < 3 && r.Volume == "2" {
			want[r.SHA256] = filepath.Join(src, filepath.FromSlash(r.Path))
		}
	}
	if len(want) < 3 || len(deleted) == 0 {
		t.Fatalf("fixture: %d allocated, %d deleted pictures", len(want), len(deleted))
	}
	want[deleted[0]] = ""
	args := []string{"categorize", "--case", caseDir, "--examiner", "bob", "--category", "1"}
	for sha := range want {
		args = append(args, sha)
	}
	mustScrim(t, args...)
	out := filepath.Join(t.TempDir(), "b"+court.Ext)
	if r := scrimStdin(t, pass+"\n", "export", "--case", caseDir, "--format", "court", "--passphrase-stdin", "--out", out, "--examiner", "bob"); r.code != 0 {
		t.Fatalf("export: exit %d %s", r.code, r.stderr)
	}
	b, err := court.Open(out, pass)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Verify(); err != nil {
		t.Fatal(err)
	}
	for sha, file := range want {
		m, ok := b.MediaEntry(sha)
		if !ok || m.OriginalSource != court.SourceEvidence || !strings.HasPrefix(m.OriginalFrom, "EXH-1:") {
			t.Errorf("%s: %+v", sha, m)
			continue
		}
		orig, err := b.Original(sha)
		if err != nil {
			t.Fatal(err)
		}
		if file != "" && !bytes.Equal(orig, mustRead(t, file)) {
			t.Errorf("%s differs from %s", m.OriginalFrom, file)
		}
	}
}
