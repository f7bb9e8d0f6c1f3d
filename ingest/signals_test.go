package ingest

import (
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"scrim/signals/models"
	"scrim/store"
)

// realModels loads the models `make models` fetched; the signals tests
// skip without them, except under CI.
func realModels(t *testing.T) *models.Analyzer {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", ".cache", "models"))
	if _, err := os.Stat(filepath.Join(dir, "blazeface.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("signals models missing in %s", dir)
		}
		t.Skipf("signals models missing in %s: run make models", dir)
	}
	an, err := models.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return an
}

// noisePictures writes n generated JPEGs of different sizes.
func noisePictures(t *testing.T, dir string, n int) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, 200+17*i, 150+11*i))
		for k := range img.Pix {
			img.Pix[k] = uint8(r.IntN(256))
		}
		f, err := os.Create(filepath.Join(dir, "p"+string(rune('a'+i))+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		jpeg.Encode(f, img, nil)
		f.Close()
	}
}

// TestSignalsStageAndPass: with the real models, every picture an ingest
// decodes gets signals (during the run, or in the pass for those the
// stage deferred), boxes mapped to the picture's own pixels; a pass stopped
// midway resumes without redoing what it wrote.
func TestSignalsStageAndPass(t *testing.T) {
	an := realModels(t)
	root := t.TempDir()
	// Short (the race detector's run, where the models are ~20× slower):
	// four pictures still exercise the stage, the pass and the resume.
	if testing.Short() {
		noisePictures(t, root, 4)
	} else {
		noisePictures(t, root, 6)
		if astro, err := os.ReadFile("/usr/lib/python3/dist-packages/skimage/data/astronaut.png"); err == nil {
			os.WriteFile(filepath.Join(root, "astronaut.png"), astro, 0o644)
		}
	}
	st := openCase(t)
	sum := ingestAll(t, st, root, Options{Signals: an, SignalWorkers: 1, Workers: 2})
	if sum.Signals+sum.SignalsDeferred != sum.NewMedia || sum.Signals == 0 {
		t.Fatalf("signals %d + deferred %d, new media %d", sum.Signals, sum.SignalsDeferred, sum.NewMedia)
	}
	p, err := Pass(context.Background(), st, an, PassOptions{})
	if err != nil || p.Analysed != sum.SignalsDeferred || !p.Complete {
		t.Fatalf("pass after ingest: %+v %v", p, err)
	}
	n := 0
	st.EachSignals(func(g store.Signals) error {
		n++
		m, _, _ := st.Media(g.SHA256)
		if g.Error != "" || g.Nudity == nil || len(g.Models) != 3 {
			t.Errorf("%s: %+v", m.Type, g)
		}
		for _, f := range g.Faces {
			if f.X < -2 || f.Y < -2 || f.X+f.W > float64(m.Width)+2 || f.Y+f.H > float64(m.Height)+2 || f.W < 20 {
				t.Errorf("face box %+v outside the %dx%d picture", f, m.Width, m.Height)
			}
		}
		if m.Type == "png" && len(g.Faces) != 1 {
			t.Errorf("astronaut: %d faces", len(g.Faces))
		}
		return nil
	})
	if int64(n) != sum.NewMedia {
		t.Fatalf("%d signals records for %d media", n, sum.NewMedia)
	}

	// A redo stopped after its first result, then resumed: everything is
	// redone once, nothing twice.
	ctx, cancel := context.WithCancel(context.Background())
	first, err := Pass(ctx, st, an, PassOptions{Redo: true, Workers: 1, Progress: func(done, total int64) { cancel() }})
	if err == nil || first.Complete || first.Analysed == 0 || first.Analysed >= first.Candidates {
		t.Fatalf("stopped redo: %+v %v", first, err)
	}
	rest, err := Pass(context.Background(), st, an, PassOptions{Redo: true})
	if err != nil || !rest.Complete || first.Analysed+rest.Analysed != rest.Candidates || rest.Skipped != first.Analysed {
		t.Fatalf("resumed redo: first %+v, rest %+v %v", first, rest, err)
	}
	if v, _ := st.Meta(store.MetaSignalsRedoBefore); v != "" {
		t.Errorf("finished redo left its mark %q", v)
	}
}
