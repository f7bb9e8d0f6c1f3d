package picture

import (
	"image"
	"image/color"
	"math"
)

// boxFit resamples img to exactly w×h with a box filter, composited over
// black (premultiplied colour), as an opaque *image.RGBA: the encoders and
// hashers have fast paths for that type.
//
// The weights are imaging's Box filter (disintegration/imaging
// precomputeWeights), horizontal pass first with the intermediate rounded to
// 8 bits, as imaging does; it is re-done here because imaging converts every
// source pixel through a generic scanner and spreads each small resize over
// goroutines, which cost more than the filtering itself at thumbnail size.
func boxFit(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	row := make([]uint8, 3*sw)
	mid := make([]uint8, 3*w*sh) // after the horizontal pass
	hw := boxWeights(w, sw)
	for y := 0; y < sh; y++ {
		readRowRGB(img, b.Min.Y+y, row)
		out := mid[3*w*y : 3*w*(y+1)]
		for x, ws := range hw {
			var r, g, bl float32
			for _, iw := range ws {
				p := row[3*iw.index:]
				r += float32(p[0]) * iw.weight
				g += float32(p[1]) * iw.weight
				bl += float32(p[2]) * iw.weight
			}
			out[3*x], out[3*x+1], out[3*x+2] = clampRound(r), clampRound(g), clampRound(bl)
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	vw := boxWeights(h, sh)
	for y, ws := range vw {
		d := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			var r, g, bl float32
			for _, iw := range ws {
				p := mid[3*(iw.index*w+x):]
				r += float32(p[0]) * iw.weight
				g += float32(p[1]) * iw.weight
				bl += float32(p[2]) * iw.weight
			}
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = clampRound(r), clampRound(g), clampRound(bl), 0xff
		}
	}
	return dst
}

// boxFitCost is what boxFit allocates for a sw×sh source fitted into w×h.
func boxFitCost(sw, sh, w, h int) int64 {
	return 3*int64(sw) + 3*int64(w)*int64(sh) + 4*int64(w)*int64(h)
}

func clampRound(v float32) uint8 {
	v += 0.5
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

type indexWeight struct {
	index  int
	weight float32
}

// boxWeights mirrors imaging's precomputeWeights for its Box filter.
func boxWeights(dstSize, srcSize int) [][]indexWeight {
	du := float64(srcSize) / float64(dstSize)
	scale := max(du, 1)
	ru := math.Ceil(scale * 0.5)
	out := make([][]indexWeight, dstSize)
	tmp := make([]indexWeight, 0, dstSize*int(ru+2)*2)
	for v := 0; v < dstSize; v++ {
		fu := (float64(v)+0.5)*du - 0.5
		begin := max(int(math.Ceil(fu-ru)), 0)
		end := min(int(math.Floor(fu+ru)), srcSize-1)
		var sum float64
		start := len(tmp)
		for u := begin; u <= end; u++ {
			if math.Abs((float64(u)-fu)/scale) <= 0.5 {
				sum++
				tmp = append(tmp, indexWeight{index: u, weight: 1})
			}
		}
		if sum != 0 {
			for i := start; i < len(tmp); i++ {
				tmp[i].weight = float32(1 / sum)
			}
		}
		out[v] = tmp[start:len(tmp):len(tmp)]
	}
	return out
}

// readRowRGB writes row y of img as 8-bit RGB premultiplied by alpha (that is,
// composited over black) into dst, with fast paths for what decoders return.
func readRowRGB(img image.Image, y int, dst []uint8) {
	b := img.Bounds()
	n := b.Dx()
	switch m := img.(type) {
	case *image.RGBA:
		src := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < n; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
		}
	case *image.NRGBA:
		src := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < n; x++ {
			a := uint32(src[4*x+3])
			dst[3*x] = uint8((uint32(src[4*x])*a + 127) / 255)
			dst[3*x+1] = uint8((uint32(src[4*x+1])*a + 127) / 255)
			dst[3*x+2] = uint8((uint32(src[4*x+2])*a + 127) / 255)
		}
	case *image.Gray:
		src := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < n; x++ {
			dst[3*x], dst[3*x+1], dst[3*x+2] = src[x], src[x], src[x]
		}
	case *image.YCbCr:
		for x := 0; x < n; x++ {
			yi := m.YOffset(b.Min.X+x, y)
			ci := m.COffset(b.Min.X+x, y)
			dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		}
	default:
		for x := 0; x < n; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, y).RGBA()
			dst[3*x], dst[3*x+1], dst[3*x+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
		}
	}
}
