package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export/court"
	"scrim/testdata/demo"
)

func zipTool(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("zip"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zip missing")
		}
		t.Skip("zip missing (make deps installs APT_TEST)")
	}
	cmd := exec.Command("zip", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zip %v: %v\n%s", args, err, out)
	}
}

// TestIngestZipInFolder: pictures inside a ZIP in a folder are found,
// deduplicated against the same pictures loose, counted as embedded in
// `scrim stats --json` and listed with their chain in `scrim files`.
func TestIngestZipInFolder(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	names, err := demo.GenerateJPEGs(filepath.Join(src, "cam"), 12, 320, 240, 85, 5)
	if err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(filepath.Join(ev, "archive"), 0o755)
	zipTool(t, src, "-q", "-r", filepath.Join(ev, "archive", "pics.zip"), "cam")
	loose, _ := os.ReadFile(names[0])
	os.WriteFile(filepath.Join(ev, "loose.jpg"), loose, 0o644)

	caseDir := filepath.Join(work, "case")
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	s := readStats(t, caseDir)
	if s.Embedded != 12 || s.Live != 2 || s.Pictures != 12 || s.Unique != 13 {
		t.Fatalf("stats: %+v", s.Counts)
	}
	rows := readRows(t, caseDir)
	byPath := map[string]bool{}
	for _, r := range rows {
		byPath[r.Path] = true
		if strings.HasPrefix(r.Path, "/archive/pics.zip » ") {
			if !r.Embedded || r.ContainerPath != strings.TrimPrefix(r.Path, "/archive/pics.zip » ") ||
				!strings.HasPrefix(r.Parent, `evidence\0`) || !strings.Contains(r.Parent, "/archive/pics.zip") || r.Kind != "picture" || r.PHash == "" {
				t.Errorf("row %+v", r)
			}
		}
	}
	want := "/archive/pics.zip » cam/" + filepath.Base(names[0])
	if !byPath[want] || !byPath["/loose.jpg"] {
		t.Fatalf("%s or /loose.jpg missing: %v", want, byPath)
	}
	if text := mustScrim(t, "stats", "--case", caseDir); !strings.Contains(text, "status  embedded") || !strings.Contains(text, "complete        12") {
		t.Fatalf("stats text:\n%s", text)
	}
	csv := mustScrim(t, "files", "--case", caseDir, "--format", "csv")
	if head, _, _ := strings.Cut(csv, "\n"); !strings.Contains(head, ",frames,embedded,parent,container_path,device_path,") {
		t.Fatalf("csv header %s", head)
	}

	// --max-depth 0 turns expansion off: the ZIP is one opaque file.
	flat := filepath.Join(work, "flat")
	mustScrim(t, "ingest", "--case", flat, "--progress", "none", "--max-depth", "0", ev)
	if s := readStats(t, flat); s.Embedded != 0 || s.Occurrences != 2 {
		t.Fatalf("--max-depth 0: %+v", s.Counts)
	}
}

// TestKillAndResumeInsideZip kills an ingest while it expands a ZIP: the
// resumed run must give the same case as an uninterrupted one (the ZIP's
// own record is written after its members, so it is redone whole).
func TestKillAndResumeInsideZip(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: real child processes")
	}
	work := t.TempDir()
	src := filepath.Join(work, "src")
	linkPictures(t, filepath.Join(sharedKillPictures(t), "cam"), filepath.Join(src, "cam"), -1)
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	zipTool(t, src, "-q", "-r", "-0", filepath.Join(ev, "pics.zip"), "cam")
	reference := filepath.Join(work, "reference")
	mustScrim(t, "ingest", "--case", reference, "--workers", "1", ev)
	want := dumpCase(t, reference)

	// All 200 members can be done in under 2 s on a quiet machine: the
	// kill's moment adapts until some but not all are committed.
	caseDir, partial := killInsideExpansion(t, filepath.Join(work, "killed"), ev, 1, 201)
	mustScrim(t, "ingest", "--case", caseDir, "--workers", "1", ev)
	if got := dumpCase(t, caseDir); got != want {
		t.Fatalf("killed with %d occurrences committed and resumed: case differs\n%s", partial, firstDiff(got, want))
	}
	t.Logf("killed with %d occurrences committed; resumed to an identical case", partial)
}

// TestCourtOriginalInsideZip: the court package reads an embedded
// original back through its ZIP and checks its SHA-256.
func TestCourtOriginalInsideZip(t *testing.T) {
	const pass = "Sentencing hearing 2026-12-03"
	work := t.TempDir()
	src := filepath.Join(work, "src")
	names, err := demo.GenerateJPEGs(filepath.Join(src, "cam"), 2, 320, 240, 85, 6)
	if err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	zipTool(t, src, "-q", "-r", filepath.Join(ev, "pics.zip"), "cam")
	caseDir := filepath.Join(work, "case")
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", "--examiner", "alice", ev)
	var sha string
	for _, r := range readRows(t, caseDir) {
		if r.Path == "/pics.zip » cam/"+filepath.Base(names[1]) {
			sha = r.SHA256
		}
	}
	if sha == "" {
		t.Fatal("picture in the zip not found")
	}
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "1", sha)
	out := filepath.Join(work, "bundle"+court.Ext)
	if r := scrimStdin(t, pass+"\n", "export", "--case", caseDir, "--format", "court", "--passphrase-stdin", "--out", out, "--examiner", "alice"); r.code != 0 {
		t.Fatalf("export court: exit %d\n%s", r.code, r.stderr)
	}
	b, err := court.Open(out, pass)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := b.Original(sha)
	want, _ := os.ReadFile(names[1])
	if err != nil || !bytes.Equal(orig, want) {
		t.Fatalf("original from the bundle: %d bytes, %v", len(orig), err)
	}
}

// TestJPEGSearchLayout reproduces the ten-picture "JPEG search" NTFS
// layout with generated pictures: all ten are found by content.
func TestJPEGSearchLayout(t *testing.T) {
	needTool(t, "mkntfs", "ntfs-3g")
	needTool(t, "zip", "zip")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	names, err := demo.GenerateJPEGs(src, 10, 160, 120, 85, 21)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // SHA-256 → what the layout hides it as
	for i, n := range names {
		b, _ := os.ReadFile(n)
		p := filepath.Join(src, fmt.Sprintf("p%02d.jpg", i+1))
		os.WriteFile(p, b, 0o644)
		s := sha256.Sum256(b)
		want[hex.EncodeToString(s[:])] = fmt.Sprintf("p%02d", i+1)
	}
	p09, _ := os.ReadFile(filepath.Join(src, "p09.jpg"))
	os.WriteFile(filepath.Join(src, "letter.docx"), docxWithPicture(t, p09), 0o644)
	img := filepath.Join(dir, "jpeg-search.raw")
	script, _ := filepath.Abs("../../testdata/disks/jpeg-search.sh")
	out, err := exec.Command("bash", script, img, src).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 77 {
		if os.Getenv("CI") != "" {
			t.Fatal("FUSE is not usable: the NTFS fixture needs ntfs-3g to mount")
		}
		t.Skip("FUSE is not usable here")
	}
	if err != nil {
		t.Fatalf("jpeg-search.sh: %v\n%s", err, out)
	}
	caseDir := filepath.Join(dir, "case")
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", img)
	found := map[string][]string{}
	for _, r := range readRows(t, caseDir) {
		if name, ok := want[r.SHA256]; ok {
			found[name] = append(found[name], r.Path)
		}
	}
	for _, name := range want {
		if len(found[name]) == 0 {
			t.Errorf("%s not found", name)
		}
	}
	t.Logf("found %d of %d: %v", len(found), len(want), found)
}

// docxWithPicture is a minimal Word document (OOXML parts as Word writes
// them) whose media part is pic.
func docxWithPicture(t *testing.T, pic []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Letter</w:t></w:r></w:p></w:body></w:document>`,
	}
	for _, n := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, _ := zw.Create(n)
		w.Write([]byte(parts[n]))
	}
	w, _ := zw.Create("word/media/image1.jpeg")
	w.Write(pic)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
