package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"scrim/export"
	"scrim/testdata/demo"
)

// signalModels is the models folder `make models` fills; without it the
// signals tests skip, except under CI where make test must have fetched it.
func signalModels(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("..", "..", ".cache", "models"))
	if _, err := os.Stat(filepath.Join(dir, "blazeface.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("signals models missing in %s: make test runs make models first", dir)
		}
		t.Skipf("signals models missing in %s: run make models", dir)
	}
	return dir
}

// signalEvidence writes a folder of public-domain and generated pictures:
// NASA's astronaut (Debian's python3-skimage-lib), a flat gray picture
// and noise; and a short generated video when ffmpeg is there.
func signalEvidence(t *testing.T) string {
	t.Helper()
	ev := t.TempDir()
	astro, err := os.ReadFile("/usr/lib/python3/dist-packages/skimage/data/astronaut.png")
	if err != nil {
		t.Skipf("astronaut.png (python3-skimage-lib) missing: %v", err)
	}
	os.WriteFile(filepath.Join(ev, "astronaut.png"), astro, 0o644)
	gray := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range gray.Pix {
		gray.Pix[i] = 128
	}
	f, _ := os.Create(filepath.Join(ev, "gray.png"))
	png.Encode(f, gray)
	f.Close()
	noise := image.NewRGBA(image.Rect(0, 0, 300, 200))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(r.IntN(256))
	}
	f, _ = os.Create(filepath.Join(ev, "noise.jpg"))
	jpeg.Encode(f, noise, nil)
	f.Close()
	if ff, err := exec.LookPath("ffmpeg"); err == nil {
		out, err := exec.Command(ff, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10",
			"-pix_fmt", "yuv420p", filepath.Join(ev, "clip.mp4")).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v %s", err, out)
		}
	}
	return ev
}

func rowsByName(t *testing.T, caseDir string) map[string]export.FileRow {
	out := map[string]export.FileRow{}
	for _, r := range readRows(t, caseDir) {
		out[filepath.Base(r.Path)] = r
	}
	return out
}

// TestSignalsIngestFilesAndPass: the real models run during ingest and
// their signals are listed by scrim files; a case ingested with signals off
// has none, keeps the setting, and gets them from scrim signals (the pass
// over the stored thumbnails); --redo analyses everything again; signals
// never set a category.
func TestSignalsIngestFilesAndPass(t *testing.T) {
	models := signalModels(t)
	ev := signalEvidence(t)

	on := filepath.Join(t.TempDir(), "on")
	out := mustScrim(t, "ingest", "--case", on, "--models", models, ev)
	if !strings.Contains(out, "signals for") {
		t.Errorf("summary does not count signals: %s", out)
	}
	rows := rowsByName(t, on)
	a := rows["astronaut.png"]
	if a.Faces == nil || *a.Faces != 1 || a.MinFaceAge == nil || *a.MinFaceAge < 15 || *a.MinFaceAge > 70 ||
		a.NudityNeutral == nil || *a.NudityNeutral < 0.5 || !strings.Contains(a.SignalsModel, "nsfwjs@4.4.0") || a.Category != "" {
		t.Errorf("astronaut: %+v", a)
	}
	if g := rows["gray.png"]; g.Faces == nil || *g.Faces != 0 || g.MinFaceAge != nil || g.NudityPorn == nil {
		t.Errorf("gray: %+v", g)
	}
	if c, ok := rows["clip.mp4"]; ok && (c.Faces == nil || c.NudityNeutral == nil) {
		t.Errorf("video without signals from its contact sheet: %+v", c)
	}

	off := filepath.Join(t.TempDir(), "off")
	mustScrim(t, "ingest", "--case", off, "--models", models, "--signals", "off", ev)
	if r := rowsByName(t, off)["astronaut.png"]; r.Faces != nil || r.SignalsModel != "" {
		t.Fatalf("signals off, still listed: %+v", r)
	}
	// The setting is the case's: a later ingest without --signals keeps it.
	ev2 := t.TempDir()
	os.WriteFile(filepath.Join(ev2, "again.png"), mustRead(t, filepath.Join(ev, "astronaut.png")), 0o644)
	mustScrim(t, "ingest", "--case", off, "--models", models, ev2)
	if r := rowsByName(t, off)["again.png"]; r.Faces != nil {
		t.Fatalf("the case's signals-off setting was not kept: %+v", r)
	}

	var sum struct{ Candidates, Analysed, Skipped, Errors int64 }
	if err := json.Unmarshal([]byte(mustScrim(t, "signals", "--case", off, "--models", models, "--json", "--progress", "none")), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Analysed != sum.Candidates || sum.Analysed < 3 || sum.Errors != 0 {
		t.Errorf("pass: %+v", sum)
	}
	p := rowsByName(t, off)["astronaut.png"]
	if p.Faces == nil || *p.Faces != 1 || *p.MinFaceAge < 15 || *p.MinFaceAge > 70 {
		t.Errorf("astronaut from the pass: %+v", p)
	}
	json.Unmarshal([]byte(mustScrim(t, "signals", "--case", off, "--models", models, "--json", "--progress", "none")), &sum)
	if sum.Analysed != 0 || sum.Skipped != sum.Candidates {
		t.Errorf("second pass redid work: %+v", sum)
	}
	json.Unmarshal([]byte(mustScrim(t, "signals", "--case", off, "--models", models, "--redo", "--json", "--progress", "none")), &sum)
	if sum.Analysed != sum.Candidates {
		t.Errorf("--redo: %+v", sum)
	}
	audit := mustScrim(t, "audit", "show", "--case", off)
	if !strings.Contains(audit, "signals") {
		t.Errorf("the pass is not in the audit log")
	}
}

// TestSignalsWithoutModels: absent models turn signals off with one line
// and the ingest works; asking for them explicitly is a clear error.
func TestSignalsWithoutModels(t *testing.T) {
	ev := t.TempDir()
	os.WriteFile(filepath.Join(ev, "a.txt"), []byte("hello"), 0o644)
	none := filepath.Join(t.TempDir(), "none")
	c := filepath.Join(t.TempDir(), "case")
	r := scrim(t, "ingest", "--case", c, "--models", none, ev)
	if r.code != 0 || strings.Count(r.stderr, "signals off: models not found in "+none) != 1 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = scrim(t, "ingest", "--case", c, "--models", none, "--signals", "on", ev)
	if r.code == 0 || !strings.Contains(r.stderr, "models not found") || !strings.Contains(r.stderr, "--signals off") {
		t.Fatalf("--signals on without models: exit %d, stderr %q", r.code, r.stderr)
	}
	r = scrim(t, "signals", "--case", c, "--models", none)
	if r.code == 0 || !strings.Contains(r.stderr, "models not found") {
		t.Fatalf("signals without models: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := scrim(t, "ingest", "--case", c, "--signals", "maybe", ev); r.code != 2 {
		t.Fatalf("--signals maybe: exit %d %q", r.code, r.stderr)
	}
}

// TestSignalsKilledPassResumes: scrim signals killed (SIGKILL) midway
// leaves a case that opens, and the next run analyses only what is left.
func TestSignalsKilledPassResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: real child processes and models")
	}
	models := signalModels(t)
	ev := t.TempDir()
	// The kill comes at the first progress line (a second in) that counts
	// one done: 240 pictures keep the pass running past it on a quiet
	// machine (60 took under a second there, and only the 0/60 line came).
	const pictures = 240
	if _, err := demo.GenerateJPEGs(ev, pictures, 640, 480, 85, 3); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(t.TempDir(), "case")
	mustScrim(t, "ingest", "--case", c, "--signals", "off", ev)
	cmd := exec.Command(scrimBin, "signals", "--case", c, "--models", models, "--workers", "1", "--progress", "plain")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var done, total int
	for sc.Scan() {
		if _, err := fmt.Sscanf(progressCounts(sc.Text()), "%d/%d", &done, &total); err == nil && done > 0 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if done == 0 || done >= total {
		t.Fatalf("pass not killed midway: %d/%d", done, total)
	}
	var sum struct{ Candidates, Analysed, Skipped int64 }
	if err := json.Unmarshal([]byte(mustScrim(t, "signals", "--case", c, "--models", models, "--json", "--progress", "none")), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Skipped < int64(done) || sum.Analysed+sum.Skipped != sum.Candidates || sum.Candidates != pictures {
		t.Fatalf("killed at %d/%d, then %+v", done, total, sum)
	}
	n := 0
	for _, r := range readRows(t, c) {
		if r.Faces != nil {
			n++
		}
	}
	if n != pictures {
		t.Fatalf("%d of %d pictures have signals after the resumed pass", n, pictures)
	}
	t.Logf("killed at %d/%d; the resumed pass analysed %d and skipped %d", done, total, sum.Analysed, sum.Skipped)
}
