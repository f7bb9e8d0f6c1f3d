package ingest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"scrim/ingest/picture"
	"scrim/signals/models"
	"scrim/store"
)

// astronautClip encodes a clip panning over NASA's public-domain astronaut
// portrait (python3-skimage), so every frame differs and shows a face.
func astronautClip(t *testing.T, path string, seconds float64) {
	t.Helper()
	const astro = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
	if _, err := os.Stat(astro); err != nil {
		t.Skipf("astronaut.png (python3-skimage) missing: %v", err)
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-loop", "1", "-i", astro,
		"-vf", "crop=400:360:x='t*30':y='t*10',format=yuv420p", "-t", strconv.FormatFloat(seconds, 'f', -1, 64),
		"-r", "10", "-c:v", "libx264", "-preset", "ultrafast", "-an", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
	}
}

// frameAt decodes the frame of path shown at time at directly with ffmpeg
// (the sampler's own conversion: rgba, then area scaling to the same size).
func frameAt(t *testing.T, path string, at float64, w, h int) *image.RGBA {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", path,
		"-frames:v", "1", "-vf", fmt.Sprintf("format=rgba,scale=%d:%d:flags=area", w, h), "-pix_fmt", "rgba", "-f", "rawvideo", "pipe:1")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil || out.Len() != 4*w*h {
		t.Fatalf("decode frame at %.3f s: %v (%d bytes): %s", at, err, out.Len(), stderr.String())
	}
	return &image.RGBA{Pix: out.Bytes(), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// TestSignalsOnVideoFrames: an ingest with signals gives every sampled
// frame of a video its own signals, equal to running the models directly
// on the same frames decoded by ffmpeg and fitted as pictures are, with
// face boxes in the frame's pixels; the video's summary is their maximum.
func TestSignalsOnVideoFrames(t *testing.T) {
	an := realModels(t)
	root := t.TempDir()
	seconds := 2.0
	if testing.Short() {
		seconds = 0.8 // the race detector's run: fewer frames
	}
	clip := filepath.Join(root, "astronaut.mp4")
	astronautClip(t, clip, seconds)
	st := openCase(t)
	sum := ingestAll(t, st, root, Options{Signals: an, SignalWorkers: 1, Workers: 1})
	if sum.Signals != 1 {
		t.Fatalf("signals for %d media, deferred %d", sum.Signals, sum.SignalsDeferred)
	}
	m := mediaByPath(t, st, "astronaut.mp4")
	g, ok, err := st.SignalsOf(m.SHA256)
	if err != nil || !ok {
		t.Fatalf("no signals: %v", err)
	}
	if g.Source != "frames" || g.Error != "" || len(m.Frames) < 3 || len(g.FrameSignals) != len(m.Frames) || g.Frames != len(m.Frames) {
		t.Fatalf("source %q error %q: %d frame signals, %d analysed, %d sampled frames", g.Source, g.Error, len(g.FrameSignals), g.Frames, len(m.Frames))
	}
	checkFrameSignals(t, an, clip, m, g)
}

// checkFrameSignals compares a video's stored per-frame signals with the
// models run directly on its frames.
func checkFrameSignals(t *testing.T, an *models.Analyzer, clip string, m store.Media, g store.Signals) {
	t.Helper()
	var maxPorn float64
	faces := 0
	for i, fs := range g.FrameSignals {
		if math.Abs(fs.At-m.Frames[i].At) > 1e-3 {
			t.Fatalf("frame %d at %.3f s, sampled at %.3f s", i, fs.At, m.Frames[i].At)
		}
		_, _, fitted, err := picture.HashImageFitted(frameAt(t, clip, fs.At, m.Width, m.Height))
		if err != nil {
			t.Fatal(err)
		}
		want, err := an.Analyze(fitted)
		if err != nil {
			t.Fatal(err)
		}
		if fs.Nudity == nil || fs.Error != "" {
			t.Fatalf("frame %d: %+v", i, fs)
		}
		for _, d := range []struct {
			name      string
			got, want float64
		}{{"porn", fs.Nudity.Porn, want.Nudity.Porn}, {"sexy", fs.Nudity.Sexy, want.Nudity.Sexy},
			{"neutral", fs.Nudity.Neutral, want.Nudity.Neutral}, {"hentai", fs.Nudity.Hentai, want.Nudity.Hentai},
			{"drawing", fs.Nudity.Drawing, want.Nudity.Drawing}} {
			if math.Abs(d.got-d.want) > 1e-3 {
				t.Errorf("frame %d at %.3f s: %s %.4f, directly %.4f", i, fs.At, d.name, d.got, d.want)
			}
		}
		maxPorn = max(maxPorn, fs.Nudity.Porn)
		got := g.FacesAt(fs.At)
		if len(got) != fs.Faces || len(got) != len(want.Faces) {
			t.Fatalf("frame %d at %.3f s: %d faces (%d counted), directly %d", i, fs.At, len(got), fs.Faces, len(want.Faces))
		}
		faces += len(got)
		sx := float64(m.Width) / float64(fitted.Bounds().Dx())
		sy := float64(m.Height) / float64(fitted.Bounds().Dy())
		for k, f := range got {
			w := want.Faces[k]
			if math.Abs(f.X-w.X*sx) > 1 || math.Abs(f.Y-w.Y*sy) > 1 || math.Abs(f.W-w.W*sx) > 1 || math.Abs(f.H-w.H*sy) > 1 {
				t.Errorf("frame %d face %d: box %.2f,%.2f %.2f×%.2f, directly %.2f,%.2f %.2f×%.2f", i, k,
					f.X, f.Y, f.W, f.H, w.X*sx, w.Y*sy, w.W*sx, w.H*sy)
			}
			if math.Abs(f.Age-w.Age) > 1e-2 || math.Abs(f.Score-w.Score) > 1e-3 || math.Abs(f.AgeSpread-w.AgeSpread) > 1e-2 {
				t.Errorf("frame %d face %d: age %.2f±%.2f score %.4f, directly %.2f±%.2f %.4f", i, k, f.Age, f.AgeSpread, f.Score, w.Age, w.AgeSpread, w.Score)
			}
			if f.X < -2 || f.Y < -2 || f.X+f.W > float64(m.Width)+2 || f.Y+f.H > float64(m.Height)+2 {
				t.Errorf("frame %d face %d: box outside the %dx%d frame", i, k, m.Width, m.Height)
			}
		}
	}
	if faces == 0 || faces != len(g.Faces) {
		t.Errorf("%d faces over the frames, %d on the record", faces, len(g.Faces))
	}
	if g.Nudity == nil || g.Nudity.Porn != maxPorn {
		t.Errorf("summary nudity %+v, frames' highest porn score %.4f", g.Nudity, maxPorn)
	}
}

// TestSignalsPassResamplesFromEvidence: a pass over a case ingested without
// signals reads each video back from its evidence and gives every sampled
// frame its signals, as the ingest would have; with the evidence gone it
// falls back to the contact sheet and says so on the record.
func TestSignalsPassResamplesFromEvidence(t *testing.T) {
	an := realModels(t)
	root := filepath.Join(t.TempDir(), "evidence")
	os.Mkdir(root, 0o755)
	seconds := 2.0
	if testing.Short() {
		seconds = 0.8
	}
	clip := filepath.Join(root, "astronaut.mp4")
	astronautClip(t, clip, seconds)
	before, _ := os.ReadFile(clip)
	st := openCase(t)
	ingestAll(t, st, root, Options{Workers: 1})
	m := mediaByPath(t, st, "astronaut.mp4")
	if _, ok, _ := st.SignalsOf(m.SHA256); ok {
		t.Fatal("signals recorded with signals off")
	}
	p, err := Pass(context.Background(), st, an, PassOptions{Workers: 1})
	if err != nil || p.Analysed != 1 || p.Errors != 0 || !p.Complete {
		t.Fatalf("pass: %+v %v", p, err)
	}
	g, _, _ := st.SignalsOf(m.SHA256)
	if g.Source != "frames" || g.Note != "" || len(g.FrameSignals) != len(m.Frames) || g.Frames != len(m.Frames) {
		t.Fatalf("source %q note %q: %d frame signals for %d sampled frames", g.Source, g.Note, len(g.FrameSignals), len(m.Frames))
	}
	checkFrameSignals(t, an, clip, m, g)
	if after, _ := os.ReadFile(clip); !bytes.Equal(before, after) {
		t.Fatal("the evidence changed")
	}
	tmp, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("%s%d-*", videoTempPrefix, os.Getpid())))
	for _, d := range tmp {
		if ents, _ := os.ReadDir(d); len(ents) > 0 {
			t.Errorf("copies left in %s", d)
		}
	}

	// Evidence gone: the contact sheet, and a note why.
	if err := os.Rename(root, root+"-moved"); err != nil {
		t.Fatal(err)
	}
	p, err = Pass(context.Background(), st, an, PassOptions{Workers: 1, Redo: true})
	if err != nil || p.Analysed != 1 || !p.Complete {
		t.Fatalf("pass without evidence: %+v %v", p, err)
	}
	g, _, _ = st.SignalsOf(m.SHA256)
	if g.Source != "sheet" || !strings.Contains(g.Note, "contact sheet") || len(g.FrameSignals) != 0 || g.Frames == 0 || g.Error != "" {
		t.Fatalf("without evidence: source %q note %q error %q, %d frames", g.Source, g.Note, g.Error, g.Frames)
	}
}
