package models

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestAstronautKnownAnswer checks the Go analyzer alone (no Node needed)
// against what TF.js's CPU backend gave for NASA's astronaut portrait
// (recorded from reference.js): one face at 173.87,75.98 103.58×103.58,
// score 0.86518, age 29.3, female; neutral 0.93313.
func TestAstronautKnownAnswer(t *testing.T) {
	dir, err := Locate("")
	needOrSkip(t, "models", err)
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Analyze(astronaut(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Faces) != 1 {
		t.Fatalf("%d faces, want 1: %+v", len(r.Faces), r.Faces)
	}
	f := r.Faces[0]
	for _, c := range []struct {
		what      string
		got, want float64
		tol       float64
	}{
		{"x", f.X, 173.8735, 1}, {"y", f.Y, 75.9751, 1}, {"w", f.W, 103.5774, 1}, {"h", f.H, 103.5774, 1},
		{"score", f.Score, 0.865175, 1e-3}, {"age", f.Age, 29.3, 0.1 + 1e-9}, {"neutral", r.Nudity.Neutral, 0.933126, 1e-3},
		{"drawing", r.Nudity.Drawing, 0.060222, 1e-3}, {"porn", r.Nudity.Porn, 0.001771, 1e-3},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %v, TF.js gave %v", c.what, c.got, c.want)
		}
	}
	if f.Gender != "female" || f.AgeSpread <= 0 || f.AgeSpread > 50 {
		t.Errorf("gender %q, age spread %v", f.Gender, f.AgeSpread)
	}
	if n := r.Nudity.Drawing + r.Nudity.Hentai + r.Nudity.Neutral + r.Nudity.Porn + r.Nudity.Sexy; math.Abs(n-1) > 1e-3 {
		t.Errorf("nudity scores sum to %v", n)
	}
	if m := a.Models(); len(m) != 3 || m[0].Package != humanPackage || m[2].Package != nsfwPackage || len(m[0].SHA256) != 64 {
		t.Errorf("models %+v", m)
	}
}

// TestConcurrentAnalyze: one Analyzer on several goroutines gives each
// the same answer as alone (arenas are per run).
func TestConcurrentAnalyze(t *testing.T) {
	dir, err := Locate("")
	needOrSkip(t, "models", err)
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	pics := previews(t)
	want := make([]float64, len(pics))
	for i, p := range pics {
		r, err := a.Analyze(p)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r.Nudity.Neutral
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for round := range 3 {
				for i, p := range pics {
					r, err := a.Analyze(p)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Nudity.Neutral != want[i] {
						t.Errorf("round %d picture %d: neutral %v, alone %v", round, i, r.Nudity.Neutral, want[i])
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestAnalyzeBadPictures(t *testing.T) {
	dir, err := Locate("")
	needOrSkip(t, "models", err)
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []image.Image{image.NewRGBA(image.Rect(0, 0, 0, 0)), image.NewGray(image.Rect(5, 5, 6, 90))} {
		if _, err := a.Analyze(img); err == nil {
			t.Errorf("%v: no error", img.Bounds())
		}
	}
	// Odd sizes and offsets work.
	if _, err := a.Analyze(image.NewGray(image.Rect(3, 7, 40, 9))); err != nil {
		t.Error(err)
	}
}

func TestLocate(t *testing.T) {
	t.Setenv("SCRIM_MODELS", filepath.Join(t.TempDir(), "nothing"))
	if _, err := Locate(""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Locate with an empty SCRIM_MODELS folder: %v, want ErrNotFound", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, blazefaceFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SCRIM_MODELS", dir)
	if got, err := Locate("/elsewhere"); err != nil || got != dir {
		t.Fatalf("Locate = %q, %v; want %q", got, err, dir)
	}
	t.Setenv("SCRIM_MODELS", "")
	if got, err := Locate(dir); err != nil || got != dir {
		t.Fatalf("Locate(configured) = %q, %v; want %q", got, err, dir)
	}
}
