package models

import (
	"math"
	"testing"
)

// TestParityWithTFJS: the same pictures through TF.js's CPU backend (the
// reference) and through the Go runtime agree: every score, age
// probability, gender and nudity score within 1e-3, face boxes within one
// pixel.
func TestParityWithTFJS(t *testing.T) {
	e := setup(t)
	pics := testPictures(t)
	ref, _ := runReference(t, e, writePictures(t, pics), 0)
	if len(ref) != len(pics) {
		t.Fatalf("reference gave %d results for %d pictures", len(ref), len(pics))
	}
	const tol, boxTol = 1e-3, 1.0
	var worst, worstBox float64
	check := func(what string, got, want, tol float64) {
		t.Helper()
		d := math.Abs(got - want)
		if tol == boxTol {
			worstBox = max(worstBox, d)
		} else {
			worst = max(worst, d)
		}
		if !(d <= tol) {
			t.Errorf("%s: Go %v, TF.js %v (differ by %.3g > %g)", what, got, want, d, tol)
		}
	}
	faces := 0
	for i, img := range pics {
		got, err := e.analyzer.analyze(img)
		if err != nil {
			t.Fatal(err)
		}
		r := ref[i]
		if len(got.scores) != len(r.Scores) {
			t.Fatalf("picture %d: %d anchor scores, TF.js %d", i, len(got.scores), len(r.Scores))
		}
		for j := range r.Scores {
			check("picture "+itoa(i)+" anchor "+itoa(j)+" score", got.scores[j], r.Scores[j], tol)
		}
		if len(got.result.Faces) != len(r.Faces) {
			t.Fatalf("picture %d: %d faces, TF.js %d", i, len(got.result.Faces), len(r.Faces))
		}
		for j, rf := range r.Faces {
			f := got.result.Faces[j]
			what := "picture " + itoa(i) + " face " + itoa(j)
			check(what+" x", f.X, rf.X, boxTol)
			check(what+" y", f.Y, rf.Y, boxTol)
			check(what+" w", f.W, rf.W, boxTol)
			check(what+" h", f.H, rf.H, boxTol)
			check(what+" score", f.Score, rf.Score, tol)
			check(what+" gender", got.gender[j], rf.Gender, tol)
			for k, p := range rf.Ages {
				check(what+" age bin "+itoa(k), float64(got.ages[j][k]), p, tol)
			}
			t.Logf("%s: box %.1f,%.1f %.1fx%.1f score %.3f age %.1f ±%.1f %s %.2f", what, f.X, f.Y, f.W, f.H, f.Score, f.Age, f.AgeSpread, f.Gender, f.GenderScore)
		}
		faces += len(r.Faces)
		for k, p := range r.NSFW {
			check("picture "+itoa(i)+" nudity class "+itoa(k), float64(got.nsfw[k]), p, tol)
		}
		t.Logf("picture %d: nudity %+v", i, got.result.Nudity)
	}
	if faces < 3 {
		t.Errorf("the reference found %d faces in the test pictures, want at least 3 (the astronaut, twice more in the wide scene)", faces)
	}
	t.Logf("largest difference: %.3g (scores, probabilities), %.3g px (boxes)", worst, worstBox)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
