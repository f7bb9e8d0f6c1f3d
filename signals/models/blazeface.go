package models

import (
	"fmt"
	"math"
	"sort"

	"scrim/signals/tfjs"
)

// Face detection parameters. @vladmandic/human keeps one face at 0.2;
// Scrim counts faces, so it keeps up to 20, needs 0.5 to call something a
// face (fewer false faces in a count) and merges boxes overlapping more
// than 0.3 (the usual BlazeFace value for several faces).
const (
	faceMinScore = 0.5
	faceIoU      = 0.3
	faceMax      = 20
	blazeSize    = 256
)

// blazeface is MediaPipe's short-range face detector as @vladmandic/human
// ships it (a TF.js graph model with four outputs: scores and box
// regressions for 512 anchors of stride 16 and 384 of stride 32).
type blazeface struct {
	g       *tfjs.GraphModel
	anchors [][2]float64
}

var blazeOutputs = []string{"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"}

func loadBlazeface(path string) (*blazeface, error) {
	g, err := tfjs.LoadGraphModel(path)
	if err != nil {
		return nil, err
	}
	if s := g.InputShape(); len(s) != 4 || s[1] != blazeSize || s[2] != blazeSize || s[3] != 3 {
		return nil, fmt.Errorf("%s: input %v, want [1,%d,%d,3]", path, s, blazeSize, blazeSize)
	}
	return &blazeface{g: g, anchors: blazeAnchors(blazeSize)}, nil
}

// blazeAnchors are human's generateAnchors: strides size/16 and size/8
// with 2 and 6 anchors per cell, centred in the cell.
func blazeAnchors(size int) [][2]float64 {
	var out [][2]float64
	for i, stride := range []int{size / 16, size / 8} {
		per := []int{2, 6}[i]
		rows := (size + stride - 1) / stride
		for y := 0; y < rows; y++ {
			for x := 0; x < rows; x++ {
				for n := 0; n < per; n++ {
					out = append(out, [2]float64{float64(stride) * (float64(x) + 0.5), float64(stride) * (float64(y) + 0.5)})
				}
			}
		}
	}
	return out
}

// detection is one face box in the detector's 256×256 input pixels.
type detection struct {
	x1, y1, x2, y2 float64
	score          float64
}

// detect runs the detector on a picture and returns every anchor's score
// (for the parity test) and the faces kept after non-maximum suppression,
// in picture pixels.
func (b *blazeface) detect(p rgb) (scores []float64, faces []detection, err error) {
	in := resizeBilinear(p, blazeSize, blazeSize, false, 127.5, 1, false)
	outs, err := b.g.Run(in, blazeOutputs...)
	if err != nil {
		return nil, nil, fmt.Errorf("blazeface: %w", err)
	}
	// As human: order the four outputs by size; rows are the stride-16
	// anchors (512) then the stride-32 ones (384), each score then 16
	// regressions.
	sort.SliceStable(outs, func(i, j int) bool { return outs[i].Size() < outs[j].Size() })
	s384, s512, r384, r512 := outs[0], outs[1], outs[2], outs[3]
	if s384.Size() != 384 || s512.Size() != 512 || r384.Size() != 384*16 || r512.Size() != 512*16 {
		return nil, nil, fmt.Errorf("blazeface: outputs %v %v %v %v, want 384, 512, 384×16, 512×16 values", s384.Shape, s512.Shape, r384.Shape, r512.Shape)
	}
	n := len(b.anchors)
	scores = make([]float64, n)
	boxes := make([]detection, n)
	for i := 0; i < n; i++ {
		var logit float32
		var reg []float32
		if i < 512 {
			logit, reg = s512.F[i], r512.F[i*16:i*16+16]
		} else {
			logit, reg = s384.F[i-512], r384.F[(i-512)*16:(i-512)*16+16]
		}
		scores[i] = 1 / (1 + math.Exp(-float64(logit)))
		cx, cy := float64(reg[0])+b.anchors[i][0], float64(reg[1])+b.anchors[i][1]
		w, h := float64(reg[2]), float64(reg[3])
		boxes[i] = detection{cx - w/2, cy - h/2, cx + w/2, cy + h/2, scores[i]}
	}
	sx, sy := float64(p.w)/blazeSize, float64(p.h)/blazeSize
	for _, i := range nonMaxSuppression(boxes, faceMax, faceIoU, faceMinScore) {
		d := boxes[i]
		faces = append(faces, detection{d.x1 * sx, d.y1 * sy, d.x2 * sx, d.y2 * sy, d.score})
	}
	return scores, faces, nil
}

// nonMaxSuppression is tf.image.nonMaxSuppression: highest score first,
// a candidate dropped when it overlaps a kept box by more than iou, scores
// at or below minScore never kept. Box values are compared as the float32
// the reference's box tensor holds.
func nonMaxSuppression(boxes []detection, maxOut int, iou, minScore float64) []int {
	var cand []int
	for i, b := range boxes {
		if b.score > minScore {
			cand = append(cand, i)
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return boxes[cand[a]].score > boxes[cand[b]].score })
	var keep []int
	for _, c := range cand {
		if len(keep) >= maxOut {
			break
		}
		ok := true
		for _, k := range keep {
			if overlap(boxes[c], boxes[k]) > iou {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, c)
		}
	}
	return keep
}

func overlap(a, b detection) float64 {
	f := func(v float64) float64 { return float64(float32(v)) }
	ax1, ax2 := min(f(a.x1), f(a.x2)), max(f(a.x1), f(a.x2))
	ay1, ay2 := min(f(a.y1), f(a.y2)), max(f(a.y1), f(a.y2))
	bx1, bx2 := min(f(b.x1), f(b.x2)), max(f(b.x1), f(b.x2))
	by1, by2 := min(f(b.y1), f(b.y2)), max(f(b.y1), f(b.y2))
	areaA, areaB := (ax2-ax1)*(ay2-ay1), (bx2-bx1)*(by2-by1)
	if areaA <= 0 || areaB <= 0 {
		return 0
	}
	iw := max(min(ax2, bx2)-max(ax1, bx1), 0)
	ih := max(min(ay2, by2)-max(ay1, by1), 0)
	inter := iw * ih
	return inter / (areaA + areaB - inter)
}
