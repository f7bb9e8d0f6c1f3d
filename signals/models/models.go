// Package models runs the pinned on-device models behind Scrim's signals
// (blazeface and faceres from @vladmandic/human 3.3.6, MobileNetV2 from
// nsfwjs 4.4.0) on the pure-Go TF.js runtime in signals/tfjs. The model
// files come from `make models` (fetch.sh); nothing is fetched at run time.
package models

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"scrim/signals"
)

// Where the model files are inside a models folder.
const (
	blazefaceFile = "blazeface.json"
	faceresFile   = "faceres.json"
	nsfwFile      = "nsfwjs-mobilenet_v2/model.json"
	humanPackage  = "@vladmandic/human@3.3.6"
	nsfwPackage   = "nsfwjs@4.4.0"
)

// ErrNotFound is wrapped by Locate's error when no models folder exists:
// the caller turns signals off and everything else works.
var ErrNotFound = errors.New("signals off: models not found")

// Locate finds the models folder: $SCRIM_MODELS when set, else the
// configured folder when given, else .cache/models beside the executable
// or in the working directory or one of its parents (a source checkout
// where `make models` ran).
func Locate(configured string) (string, error) {
	var tried []string
	try := func(dir string) bool {
		if dir == "" {
			return false
		}
		tried = append(tried, dir)
		_, err := os.Stat(filepath.Join(dir, blazefaceFile))
		return err == nil
	}
	if env := os.Getenv("SCRIM_MODELS"); env != "" {
		if try(env) {
			return env, nil
		}
		return "", fmt.Errorf("%w in %s (SCRIM_MODELS)", ErrNotFound, env)
	}
	if try(configured) {
		return configured, nil
	}
	if exe, err := os.Executable(); err == nil {
		d := filepath.Join(filepath.Dir(exe), ".cache", "models")
		if try(d) {
			return d, nil
		}
		d = filepath.Join(filepath.Dir(filepath.Dir(exe)), ".cache", "models") // bin/scrim in a checkout
		if try(d) {
			return d, nil
		}
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if try(filepath.Join(dir, ".cache", "models")) {
				return filepath.Join(dir, ".cache", "models"), nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", fmt.Errorf("%w in %s (run make models, or set SCRIM_MODELS)", ErrNotFound, strings.Join(tried, ", "))
}

// Analyzer runs the three models. It is read-only after Load, so one
// Analyzer serves any number of goroutines.
type Analyzer struct {
	face   *blazeface
	desc   *faceres
	nudity *nsfw
	models []signals.Model
}

var _ signals.Analyzer = (*Analyzer)(nil)

// Load reads and checks all three models in dir. Missing or corrupt
// shards, wrong shapes and non-finite weights are errors here, never later.
func Load(dir string) (*Analyzer, error) {
	a := &Analyzer{}
	var err error
	if a.face, err = loadBlazeface(filepath.Join(dir, blazefaceFile)); err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	if a.desc, err = loadFaceres(filepath.Join(dir, faceresFile)); err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	if a.nudity, err = loadNSFW(filepath.Join(dir, nsfwFile)); err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	for _, m := range []struct{ name, pkg, file string }{
		{"blazeface", humanPackage, blazefaceFile},
		{"faceres", humanPackage, faceresFile},
		{"nsfwjs-mobilenet_v2", nsfwPackage, nsfwFile},
	} {
		b, err := os.ReadFile(filepath.Join(dir, m.file))
		if err != nil {
			return nil, fmt.Errorf("signals: %w", err)
		}
		sum := sha256.Sum256(b)
		a.models = append(a.models, signals.Model{Name: m.name, Package: m.pkg, SHA256: hex.EncodeToString(sum[:])})
	}
	return a, nil
}

// Models names the three models as a report must cite them.
func (a *Analyzer) Models() []signals.Model { return append([]signals.Model(nil), a.models...) }

// Analyze finds faces (boxes in the picture's pixels), estimates each
// face's age and gender, and scores nudity. Age spread: the standard
// deviation, in years, of faceres's 100-bin age distribution.
func (a *Analyzer) Analyze(img image.Image) (signals.Result, error) {
	d, err := a.analyze(img)
	if err != nil {
		return signals.Result{}, err
	}
	return d.result, nil
}

// details is a Result plus the raw outputs the parity test compares.
type details struct {
	result signals.Result
	scores []float64   // blazeface, every anchor
	ages   [][]float32 // faceres age distribution per face
	gender []float64   // faceres sigmoid per face
	nsfw   []float32
}

func (a *Analyzer) analyze(img image.Image) (details, error) {
	var d details
	b := img.Bounds()
	if b.Dx() < 2 || b.Dy() < 2 {
		return d, fmt.Errorf("signals: picture %dx%d is too small", b.Dx(), b.Dy())
	}
	if int64(b.Dx())*int64(b.Dy()) > 1<<27 {
		return d, fmt.Errorf("signals: picture %dx%d is too large (give a preview)", b.Dx(), b.Dy())
	}
	p := toRGB(img)
	scores, faces, err := a.face.detect(p)
	if err != nil {
		return d, fmt.Errorf("signals: %w", err)
	}
	d.scores = scores
	for _, f := range faces {
		g, ages, err := a.desc.describe(p, f)
		if err != nil {
			return d, fmt.Errorf("signals: %w", err)
		}
		age, spread := ageOf(ages)
		gender, gs := genderOf(g)
		d.ages = append(d.ages, ages)
		d.gender = append(d.gender, g)
		d.result.Faces = append(d.result.Faces, signals.Face{
			X: f.x1, Y: f.y1, W: f.x2 - f.x1, H: f.y2 - f.y1, Score: f.score,
			Age: age, AgeSpread: spread, Gender: gender, GenderScore: gs,
		})
	}
	n, err := a.nudity.classify(p)
	if err != nil {
		return d, fmt.Errorf("signals: %w", err)
	}
	d.nsfw = n
	d.result.Nudity = signals.Nudity{Drawing: float64(n[0]), Hentai: float64(n[1]), Neutral: float64(n[2]), Porn: float64(n[3]), Sexy: float64(n[4])}
	return d, nil
}
