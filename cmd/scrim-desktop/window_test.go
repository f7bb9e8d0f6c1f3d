package main

import (
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"scrim/testdata/demo"
)

// TestRealWindowScreenshots runs the workstation in a real window under
// Xvfb (OpenGL through Mesa), walks the screenshot tour on a demo case and
// checks each captured screen shows something: the same script that writes
// docs/screenshots.
func TestRealWindowScreenshots(t *testing.T) {
	for _, tool := range []string{"Xvfb", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing (make test installs xvfb and imagemagick)", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "scrim-desktop")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if _, err := demo.Generate(filepath.Join(dir, "evidence"), demo.Options{}); err != nil {
		t.Fatal(err)
	}
	shots := filepath.Join(dir, "shots")
	cmd := exec.Command("bash", "../../testdata/screenshots/take.sh", bin, filepath.Join(dir, "case"),
		filepath.Join(dir, "evidence"), filepath.Join(dir, "home"), shots)
	// The tour's captures are of the grid without signals: no models here.
	cmd.Env = append(os.Environ(), "SCRIM_MODELS="+filepath.Join(dir, "no-models"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot tour: %v\n%s", err, out)
	}
	for _, name := range tourShots {
		checkNotBlank(t, filepath.Join(shots, name+".png"))
	}
	checkPanicScreen(t, filepath.Join(shots, "panic.png"))
}

// tourShots are the captures with content; the panic screen is meant to be
// nearly blank and is checked on its own.
var tourShots = []string{"signin", "grid", "details", "facts", "reveal", "cases", "dashboard"}

// TestCommittedScreenshots checks the README's pictures are real captures.
func TestCommittedScreenshots(t *testing.T) {
	for _, name := range tourShots {
		checkNotBlank(t, filepath.Join("..", "..", "docs", "screenshots", name+".png"))
	}
	checkPanicScreen(t, filepath.Join("..", "..", "docs", "screenshots", "panic.png"))
}

// checkPanicScreen: one flat colour almost everywhere, and one quiet line.
func checkPanicScreen(t *testing.T, path string) {
	t.Helper()
	img := decodePNG(t, path)
	counts := map[uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			counts[r>>8<<16|g>>8<<8|bl>>8]++
		}
	}
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	share := float64(most) / float64(b.Dx()*b.Dy())
	t.Logf("%s: %d colours, the main one %.1f %%", filepath.Base(path), len(counts), 100*share)
	if share < 0.97 || len(counts) < 2 {
		t.Errorf("%s is not one flat colour with one line: %d colours, main %.1f %%", path, len(counts), 100*share)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// checkNotBlank: a blank or black capture has one colour and no spread.
func checkNotBlank(t *testing.T, path string) {
	t.Helper()
	img := decodePNG(t, path)
	colours, sd := spread(img)
	t.Logf("%s: %dx%d, %d colours, luminance sd %.1f", filepath.Base(path), img.Bounds().Dx(), img.Bounds().Dy(), colours, sd)
	if img.Bounds().Dx() < 800 || colours < 16 || sd < 4 {
		t.Errorf("%s looks blank: %d colours, luminance sd %.1f", path, colours, sd)
	}
}

func spread(img image.Image) (int, float64) {
	seen := map[uint32]bool{}
	var sum, sq float64
	var n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|bl>>8] = true
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += l
			sq += l * l
			n++
		}
	}
	mean := sum / n
	return len(seen), math.Sqrt(max(sq/n-mean*mean, 0))
}
