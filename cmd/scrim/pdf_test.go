package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/testdata/demo"
)

// TestIngestPDFImages: a PDF in a folder holding a JPEG (a DCT stream) and
// a PNG (Flate samples with predictors), made by img2pdf: `scrim files`
// lists both as embedded under the PDF, the JPEG as stored, the Flate one
// decoded to a PNG with its pHash; `scrim stats --json` counts both.
func TestIngestPDFImages(t *testing.T) {
	img2pdf := needTool(t, "img2pdf", "img2pdf")
	work := t.TempDir()
	src := filepath.Join(work, "src")
	names, err := demo.GenerateJPEGs(src, 1, 320, 240, 85, 3)
	if err != nil {
		t.Fatal(err)
	}
	jpg, _ := os.ReadFile(names[0])
	pic := image.NewNRGBA(image.Rect(0, 0, 200, 150))
	for y := range 150 {
		for x := range 200 {
			pic.Set(x, y, color.NRGBA{uint8(x), uint8(y * 2), uint8(x ^ y), 255})
		}
	}
	var pb bytes.Buffer
	png.Encode(&pb, pic)
	pngPath := filepath.Join(src, "drawing.png")
	os.WriteFile(pngPath, pb.Bytes(), 0o644)
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	if out, err := exec.Command(img2pdf, "-o", filepath.Join(ev, "doc.pdf"), names[0], pngPath).CombinedOutput(); err != nil {
		t.Fatalf("img2pdf: %v\n%s", err, out)
	}

	caseDir := filepath.Join(work, "case")
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	if s := readStats(t, caseDir); s.Embedded != 2 || s.Live != 1 || s.Pictures != 2 {
		t.Fatalf("stats: %+v", s.Counts)
	}
	sum := sha256.Sum256(jpg)
	var sawJPEG, sawPNG bool
	for _, r := range readRows(t, caseDir) {
		if !strings.HasPrefix(r.Path, "/doc.pdf » ") {
			continue
		}
		if !r.Embedded || r.Kind != "picture" || r.PHash == "" || r.Error != "" || !strings.Contains(r.Parent, "/doc.pdf") {
			t.Errorf("row %+v", r)
		}
		switch {
		case strings.HasSuffix(r.Path, ".jpg"):
			sawJPEG = r.SHA256 == hex.EncodeToString(sum[:]) && r.Path == "/doc.pdf » page 1 image obj "+strings.TrimSuffix(strings.TrimPrefix(r.ContainerPath, "page 1 image obj "), ".jpg")+".jpg"
		case strings.HasSuffix(r.Path, ".png"):
			sawPNG = r.Type == "png" && r.Width == 200 && strings.HasPrefix(r.ContainerPath, "page 2 image obj ")
		}
	}
	if !sawJPEG || !sawPNG {
		t.Fatalf("JPEG as stored %v, PNG decoded %v:\n%s", sawJPEG, sawPNG, mustScrim(t, "files", "--case", caseDir))
	}
}
