package main

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"scrim/export/court"
	"scrim/testdata/demo"
)

// inlineImagePDF writes a one-page PDF whose content stream (stored
// plain) draws jpg as an inline DCT image and a w×h RGB picture as an
// inline image behind /F /Fl, with a correct cross-reference table.
func inlineImagePDF(jpg []byte, w, h int) []byte {
	var samples []byte
	for y := range h {
		for x := range w {
			samples = append(samples, byte(x*4), byte(y*5), byte(x^y))
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(samples)
	zw.Close()
	var c bytes.Buffer
	c.WriteString("q 320 0 0 240 0 0 cm\nBI /W 320 /H 240 /CS /RGB /BPC 8 /F /DCT ID\n")
	c.Write(jpg)
	fmt.Fprintf(&c, "\nEI Q\nq %d 0 0 %d 0 300 cm\nBI /W %d /H %d /CS /RGB /BPC 8 /F /Fl ID\n", w, h, w, h)
	c.Write(z.Bytes())
	c.WriteString("\nEI Q\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 400] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", c.Len(), c.Bytes()),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objects))
	for i, o := range objects {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, x)
	return b.Bytes()
}

// TestIngestPDFInlineImages: a PDF drawing a JPEG and a Flate RGB picture
// as inline images: `scrim files` lists both as embedded pictures (the
// JPEG byte for byte as stored, the other decoded to a PNG), `scrim stats`
// counts them, and the court package reads the PNG back through the PDF
// and checks its SHA-256.
func TestIngestPDFInlineImages(t *testing.T) {
	const pass = "Sentencing hearing 2026-12-04"
	work := t.TempDir()
	names, err := demo.GenerateJPEGs(filepath.Join(work, "src"), 1, 320, 240, 85, 77)
	if err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	if err := os.WriteFile(filepath.Join(ev, "doc.pdf"), inlineImagePDF(jpg, 64, 48), 0o644); err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Join(work, "case")
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	if s := readStats(t, caseDir); s.Embedded != 2 || s.Pictures != 2 {
		t.Fatalf("stats: %+v", s.Counts)
	}
	sum := sha256.Sum256(jpg)
	var pngSHA string
	seen := 0
	for _, r := range readRows(t, caseDir) {
		switch r.Path {
		case "/doc.pdf » page 1 inline image 1.jpg":
			seen++
			if !r.Embedded || r.Kind != "picture" || r.SHA256 != hex.EncodeToString(sum[:]) || r.Error != "" {
				t.Errorf("inline JPEG: %+v", r)
			}
		case "/doc.pdf » page 1 inline image 2.png":
			seen++
			if !r.Embedded || r.Kind != "picture" || r.Type != "png" || r.Width != 64 || r.Height != 48 || r.Error != "" {
				t.Errorf("inline Flate picture: %+v", r)
			}
			pngSHA = r.SHA256
		}
	}
	if seen != 2 {
		t.Fatalf("inline images listed: %d of 2\n%s", seen, mustScrim(t, "files", "--case", caseDir))
	}
	mustScrim(t, "categorize", "--case", caseDir, "--examiner", "alice", "--category", "1", pngSHA)
	bundle := filepath.Join(work, "bundle"+court.Ext)
	if r := scrimStdin(t, pass+"\n", "export", "--case", caseDir, "--format", "court", "--passphrase-stdin", "--out", bundle, "--examiner", "alice"); r.code != 0 {
		t.Fatalf("export court: exit %d\n%s", r.code, r.stderr)
	}
	b, err := court.Open(bundle, pass)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := b.Original(pngSHA)
	if s := sha256.Sum256(orig); err != nil || hex.EncodeToString(s[:]) != pngSHA {
		t.Fatalf("original of the inline picture from the bundle: %d bytes, %v", len(orig), err)
	}
}
