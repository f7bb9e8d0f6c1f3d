package models

import (
	"image"
	"image/draw"
	"math"

	"scrim/signals/tfjs"
)

// rgb is a picture as 8-bit RGB, the form TF.js's fromPixels gives the
// reference code; resizes read it directly so a large picture is never
// held as floats.
type rgb struct {
	w, h int
	px   []uint8 // w*h*3
}

func toRGB(img image.Image) rgb {
	b := img.Bounds()
	out := rgb{w: b.Dx(), h: b.Dy(), px: make([]uint8, b.Dx()*b.Dy()*3)}
	switch src := img.(type) {
	case *image.RGBA:
		for y := 0; y < out.h; y++ {
			row := src.Pix[(y)*src.Stride:]
			for x := 0; x < out.w; x++ {
				copy(out.px[(y*out.w+x)*3:(y*out.w+x)*3+3], row[x*4:x*4+3])
			}
		}
	case *image.NRGBA:
		// Alpha is dropped, as the browser's canvas and TF.js's fromPixels
		// for an opaque picture do; premultiplying would darken edges.
		for y := 0; y < out.h; y++ {
			row := src.Pix[(y)*src.Stride:]
			for x := 0; x < out.w; x++ {
				copy(out.px[(y*out.w+x)*3:(y*out.w+x)*3+3], row[x*4:x*4+3])
			}
		}
	default:
		tmp := image.NewNRGBA(image.Rect(0, 0, out.w, out.h))
		draw.Draw(tmp, tmp.Bounds(), img, b.Min, draw.Src)
		return toRGB(tmp)
	}
	return out
}

// resizeBilinear is tf.image.resizeBilinear (half_pixel_centers false) as
// TF.js's CPU backend computes it: float64 arithmetic on the source values,
// a ceil (not floor+1) for the far neighbour. div and sub are applied to
// every output value (stored float32 after each step, as the reference
// code's separate div/sub ops do) when prescale is false, or to the source
// values before interpolation when prescale is true (nsfwjs divides first).
// Source coordinates are worked out once per row and column.
func resizeBilinear(p rgb, oh, ow int, alignCorners bool, div, sub float64, prescale bool) *tfjs.Tensor {
	out := tfjs.NewTensor(1, oh, ow, 3)
	inH, inW, outH, outW := float64(p.h), float64(p.w), float64(oh), float64(ow)
	if alignCorners && oh > 1 {
		inH, outH = inH-1, outH-1
	}
	if alignCorners && ow > 1 {
		inW, outW = inW-1, outW-1
	}
	var val [256]float64
	for v := range val {
		val[v] = float64(v)
		if prescale {
			val[v] = float64(float32(float64(v) / div))
		}
	}
	ys, xs := axis(inH/outH, oh, p.h), axis(inW/outW, ow, p.w)
	for y, ay := range ys {
		r0, r1 := p.px[ay.i0*p.w*3:], p.px[ay.i1*p.w*3:]
		for x, ax := range xs {
			o := out.F[(y*ow+x)*3 : (y*ow+x)*3+3]
			for c := 0; c < 3; c++ {
				tl, tr := val[r0[ax.i0*3+c]], val[r0[ax.i1*3+c]]
				bl, br := val[r1[ax.i0*3+c]], val[r1[ax.i1*3+c]]
				top := tl + (tr-tl)*ax.f
				bottom := bl + (br-bl)*ax.f
				v := float32(top + (bottom-top)*ay.f)
				if !prescale && div != 0 {
					v = float32(float64(v) / div)
					v = float32(float64(v) - sub)
				}
				o[c] = v
			}
		}
	}
	return out
}

// sample is one output coordinate's two source neighbours and weight.
type sample struct {
	i0, i1 int
	f      float64
}

func axis(ratio float64, n, in int) []sample {
	s := make([]sample, n)
	for i := range s {
		src := ratio * float64(i)
		i0 := max(0, int(math.Floor(src)))
		s[i] = sample{i0, min(in-1, int(math.Ceil(src))), src - float64(i0)}
	}
	return s
}

// cropAndResize is tf.image.cropAndResize (bilinear, extrapolation 0) of
// one box given in normalised [y1,x1,y2,x2] (rounded to float32 as the
// reference's box tensor holds them).
func cropAndResize(p rgb, box [4]float64, oh, ow int) *tfjs.Tensor {
	out := tfjs.NewTensor(1, oh, ow, 3)
	y1, x1, y2, x2 := float64(float32(box[0])), float64(float32(box[1])), float64(float32(box[2])), float64(float32(box[3]))
	H, W := float64(p.h-1), float64(p.w-1)
	hs, ws := 0.0, 0.0
	if oh > 1 {
		hs = (y2 - y1) * H / float64(oh-1)
	}
	if ow > 1 {
		ws = (x2 - x1) * W / float64(ow-1)
	}
	xs := make([]sample, ow)
	inside := make([]bool, ow)
	for x := range xs {
		xi := 0.5 * (x1 + x2) * W
		if ow > 1 {
			xi = x1*W + float64(x)*ws
		}
		if xi < 0 || xi > W {
			continue
		}
		l := int(math.Floor(xi))
		xs[x], inside[x] = sample{l, int(math.Ceil(xi)), xi - float64(l)}, true
	}
	for y := 0; y < oh; y++ {
		yi := 0.5 * (y1 + y2) * H
		if oh > 1 {
			yi = y1*H + float64(y)*hs
		}
		if yi < 0 || yi > H {
			continue
		}
		t, b := int(math.Floor(yi)), int(math.Ceil(yi))
		fy := yi - float64(t)
		rt, rb := p.px[t*p.w*3:], p.px[b*p.w*3:]
		for x, ax := range xs {
			if !inside[x] {
				continue
			}
			o := out.F[(y*ow+x)*3 : (y*ow+x)*3+3]
			for c := 0; c < 3; c++ {
				tl, tr := float64(rt[ax.i0*3+c]), float64(rt[ax.i1*3+c])
				bl, br := float64(rb[ax.i0*3+c]), float64(rb[ax.i1*3+c])
				top := tl + (tr-tl)*ax.f
				bottom := bl + (br-bl)*ax.f
				o[c] = float32(top + (bottom-top)*fy)
			}
		}
	}
	return out
}
