package models

import (
	"fmt"
	"math"

	"scrim/signals/tfjs"
)

// faceEnlarge is human's detector scale: the crop given to faceres is the
// detector's box grown 1.4× around its centre and made square.
const (
	faceEnlarge = 1.4
	faceresSize = 224
)

// faceres is @vladmandic/human's face description model: gender (sigmoid)
// and age as a softmax over 100 one-year bins, on a 224×224 face crop in
// 0..255.
type faceres struct {
	g *tfjs.GraphModel
}

var faceresOutputs = []string{"gender_pred/Sigmoid:0", "age_pred/Softmax:0"}

func loadFaceres(path string) (*faceres, error) {
	g, err := tfjs.LoadGraphModel(path)
	if err != nil {
		return nil, err
	}
	if s := g.InputShape(); len(s) != 4 || s[1] != faceresSize || s[2] != faceresSize || s[3] != 3 {
		return nil, fmt.Errorf("%s: input %v, want [-1,%d,%d,3]", path, s, faceresSize, faceresSize)
	}
	return &faceres{g: g}, nil
}

// faceCrop is the normalised [y1,x1,y2,x2] crop box of a detection.
func faceCrop(p rgb, d detection) [4]float64 {
	cx, cy := (d.x1+d.x2)/2, (d.y1+d.y2)/2
	half := faceEnlarge * max(d.x2-d.x1, d.y2-d.y1) / 2
	H, W := float64(max(p.h-1, 1)), float64(max(p.w-1, 1))
	return [4]float64{(cy - half) / H, (cx - half) / W, (cy + half) / H, (cx + half) / W}
}

// describe returns the gender score (>0.5 male) and the age distribution.
func (f *faceres) describe(p rgb, d detection) (gender float64, ages []float32, err error) {
	in := cropAndResize(p, faceCrop(p, d), faceresSize, faceresSize)
	outs, err := f.g.Run(in, faceresOutputs...)
	if err != nil {
		return 0, nil, fmt.Errorf("faceres: %w", err)
	}
	if outs[0].Size() != 1 || outs[1].Size() != 100 {
		return 0, nil, fmt.Errorf("faceres: outputs %v %v, want 1 and 100 values", outs[0].Shape, outs[1].Shape)
	}
	return float64(outs[0].F[0]), outs[1].F, nil
}

// ageOf is human's age formula: the most likely bin, moved toward its more
// likely neighbour by that neighbour's probability (×10 then /10 as human
// rounds to a tenth). The spread is the standard deviation of the
// distribution over the bins (bin i = i years): a wide distribution means
// the model is unsure, whatever its argmax.
func ageOf(p []float32) (age, spread float64) {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	prev, next := float32(0), float32(0)
	if best > 0 {
		prev = p[best-1]
	}
	if best+1 < len(p) {
		next = p[best+1]
	}
	if prev > next {
		age = math.Round(10*float64(best)-100*float64(prev)) / 10
	} else {
		age = math.Round(10*float64(best)+100*float64(next)) / 10
	}
	var mean, sum float64
	for i, v := range p {
		mean += float64(i) * float64(v)
		sum += float64(v)
	}
	if sum <= 0 {
		return age, 0
	}
	mean /= sum
	var v2 float64
	for i, v := range p {
		d := float64(i) - mean
		v2 += d * d * float64(v)
	}
	return age, math.Sqrt(v2 / sum)
}

// genderOf is human's reading of the sigmoid: confidence 2·|g−0.5|
// truncated to hundredths, capped at 0.99; below 0.1 no gender is given.
func genderOf(g float64) (string, float64) {
	conf := math.Trunc(200*math.Abs(g-0.5)) / 100
	if conf <= 0.1 {
		return "", conf
	}
	if g <= 0.5 {
		return "female", min(conf, 0.99)
	}
	return "male", min(conf, 0.99)
}
