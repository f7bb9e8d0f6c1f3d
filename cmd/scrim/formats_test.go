package main

import (
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/export"
	"scrim/testdata/demo"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
}

// needTool finds a fixture tool; under CI (where make test installed it) a
// missing tool is a failure, elsewhere a skip.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found: apt-get install " + pkg
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// TestIngestPhoneFormats: phones store HEIC; newer tools write AVIF. Both are
// made by libheif's own encoder, hidden under misleading names, and must be
// decoded and fingerprinted like any JPEG.
func TestIngestPhoneFormats(t *testing.T) {
	heifEnc := needTool(t, "heif-enc", "libheif-examples")
	root := filepath.Join(t.TempDir(), "phone")
	os.MkdirAll(root, 0o755)
	srcs, err := demo.GenerateJPEGs(filepath.Join(t.TempDir(), "src"), 1, 800, 600, 95, 5)
	if err != nil {
		t.Fatal(err)
	}
	src := srcs[0]
	for _, c := range []struct{ args []string }{
		{[]string{"-q", "80", "-o", filepath.Join(root, "IMG_0042.dat"), src}},
		{[]string{"-A", "-q", "80", "-o", filepath.Join(root, "sticker.bin"), src}},
	} {
		if out, err := exec.Command(heifEnc, c.args...).CombinedOutput(); err != nil {
			t.Fatalf("heif-enc %v: %v %s", c.args, err, out)
		}
	}
	caseDir := filepath.Join(t.TempDir(), "case")
	want := map[string]string{"/IMG_0042.dat": "heic", "/sticker.bin": "avif", "/original.jpg": "jpeg"}
	copyFile(t, src, filepath.Join(root, "original.jpg"))
	mustScrim(t, "ingest", "--case", caseDir, root)
	rows := readRows(t, caseDir)
	if len(rows) != 3 {
		t.Fatalf("rows %+v", rows)
	}
	var original export.FileRow
	for _, r := range rows {
		if r.Path == "/original.jpg" {
			original = r
		}
	}
	for _, r := range rows {
		if r.Type != want[r.Path] || r.Kind != "picture" || r.Width != 800 || r.Height != 600 || len(r.PHash) != 16 || r.Error != "" {
			t.Errorf("%s: %+v", r.Path, r)
		}
		// The same picture re-encoded stays a near-duplicate of the original.
		if d := hamming(original.PHash, r.PHash); d > 6 {
			t.Errorf("%s is %d pHash bits from the JPEG it was made from", r.Path, d)
		}
	}
}

// TestMaxPixels: a picture over --max-pixels is hashed and listed with an
// error saying why it was not decoded.
func TestMaxPixels(t *testing.T) {
	root := filepath.Join(t.TempDir(), "ev")
	os.MkdirAll(root, 0o755)
	f, _ := os.Create(filepath.Join(root, "big.png"))
	png.Encode(f, image.NewGray(image.Rect(0, 0, 2000, 1000)))
	f.Close()
	caseDir := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", caseDir, "--max-pixels", "1000000", root)
	rows := readRows(t, caseDir)
	var r export.FileRow
	if len(rows) == 1 {
		r = rows[0]
	}
	if r.Width != 2000 || r.Height != 1000 || r.SHA256 == "" || !strings.Contains(r.Error, "2000x1000") || r.PHash != "" {
		t.Fatalf("row %+v", r)
	}
}
