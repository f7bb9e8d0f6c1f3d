package models

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// The parity test and the benchmark compare against TF.js (CPU backend)
// running signals/testdata/reference.js in Node. They need the models
// (make models), Node and TF.js (make tfjs); without them they skip with
// a message, except under CI=true, where they must run.

// astronautPath is NASA's public-domain portrait of Eileen Collins as
// Debian's python3-skimage ships it.
const astronautPath = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"

func needOrSkip(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %v (CI=true: this must run; make test installs it)", what, err)
	}
	t.Skipf("skipping: %s: %v (make models tfjs installs it)", what, err)
}

// repoFile finds rel in the working directory or a parent (the checkout).
func repoFile(rel string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%s not found above %s", rel, wd)
		}
	}
}

// testEnv is the models, Node and TF.js the reference needs.
type testEnv struct {
	models, tfjs, script string
	analyzer             *Analyzer
}

func setup(t testing.TB) testEnv {
	t.Helper()
	var e testEnv
	var err error
	e.models, err = Locate("")
	needOrSkip(t, "models", err)
	e.analyzer, err = Load(e.models)
	if err != nil {
		t.Fatal(err)
	}
	_, err = exec.LookPath("node")
	needOrSkip(t, "node", err)
	e.tfjs = os.Getenv("SCRIM_TFJS")
	if e.tfjs == "" {
		e.tfjs, err = repoFile(".cache/tfjs/node_modules/@tensorflow/tfjs")
		needOrSkip(t, "@tensorflow/tfjs", err)
		e.tfjs = filepath.Dir(filepath.Dir(filepath.Dir(e.tfjs)))
	}
	e.script, err = filepath.Abs("../testdata/reference.js")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func astronaut(t testing.TB) image.Image {
	t.Helper()
	f, err := os.Open(astronautPath)
	needOrSkip(t, "astronaut.png (python3-skimage)", err)
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func scaled(img image.Image, w, h int) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.ApproxBiLinear.Scale(out, out.Bounds(), img, img.Bounds(), xdraw.Src, nil)
	return out
}

// testPictures: the astronaut; a wide generated scene holding her twice
// at two sizes (two faces, boxes mapped back through a non-square
// resize); and generated noise and gradients (no face).
func testPictures(t testing.TB) []image.Image {
	a := astronaut(t)
	wide := image.NewRGBA(image.Rect(0, 0, 640, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 640; x++ {
			wide.Set(x, y, color.RGBA{uint8(x / 3), uint8(100 + y/4), uint8((x + y) / 5), 255})
		}
	}
	draw.Draw(wide, image.Rect(20, 40, 320, 340), scaled(a, 300, 300), image.Point{}, draw.Src)
	draw.Draw(wide, image.Rect(380, 120, 580, 320), scaled(a, 200, 200), image.Point{}, draw.Src)
	noise := image.NewRGBA(image.Rect(0, 0, 200, 300))
	r := rand.New(rand.NewPCG(18, 4))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			noise.Pix[i] = 255
		}
	}
	return []image.Image{a, wide, noise}
}

// writePictures stores pictures for reference.js: u32 w, u32 h, RGB bytes.
func writePictures(t testing.TB, pics []image.Image) string {
	var buf bytes.Buffer
	for _, img := range pics {
		p := toRGB(img)
		var hdr [8]byte
		binary.LittleEndian.PutUint32(hdr[:], uint32(p.w))
		binary.LittleEndian.PutUint32(hdr[4:], uint32(p.h))
		buf.Write(hdr[:])
		buf.Write(p.px)
	}
	path := filepath.Join(t.TempDir(), "pictures.bin")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type refFace struct {
	X, Y, W, H, Score, Gender float64
	Ages                      []float64
}

type refResult struct {
	Scores []float64
	Faces  []refFace
	NSFW   []float64
	// timing line
	Runs    int
	Seconds float64
}

// runReference runs reference.js on the pictures (then runs more timed
// passes) and returns its per-picture results and the timing line.
func runReference(t testing.TB, e testEnv, pics string, runs int) ([]refResult, refResult) {
	cmd := exec.Command("node", e.script, e.models, pics, fmt.Sprint(runs))
	cmd.Env = append(os.Environ(), "SCRIM_TFJS="+e.tfjs)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference.js: %v\n%s", err, stderr.String())
	}
	var res []refResult
	var timing refResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r refResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("reference.js output: %v: %.200s", err, sc.Text())
		}
		if r.Runs > 0 {
			timing = r
			continue
		}
		res = append(res, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(errors.Join(err, fmt.Errorf("reading reference.js output")))
	}
	return res, timing
}
