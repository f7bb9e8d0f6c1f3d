package demo

import (
	"image"
	"image/color"
)

// Levels per channel of the fixed GIF palette: 6×7×6 = 252 colours, with
// more greens because the eye resolves them best.
const qr, qg, qb = 6, 7, 6

// quantize maps img onto a fixed palette with 4×4 ordered dithering. It is
// much faster than image/gif's Floyd–Steinberg over Plan 9 colours, and
// deterministic like it.
func quantize(img *image.RGBA) *image.Paletted {
	pal := make(color.Palette, 0, qr*qg*qb)
	for r := range qr {
		for g := range qg {
			for b := range qb {
				pal = append(pal, color.RGBA{uint8(r * 255 / (qr - 1)), uint8(g * 255 / (qg - 1)), uint8(b * 255 / (qb - 1)), 255})
			}
		}
	}
	bayer := [16]int{0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5}
	b := img.Rect
	out := image.NewPaletted(b, pal)
	level := func(v uint8, n, t int) int {
		// Spread the threshold over one palette step of this channel.
		step := 255 / (n - 1)
		return min((int(v)+(t*step)/16)/step, n-1)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			i := img.PixOffset(x, y)
			t := bayer[(y&3)*4+x&3]
			r, g, bl := level(img.Pix[i], qr, t), level(img.Pix[i+1], qg, t), level(img.Pix[i+2], qb, t)
			out.Pix[out.PixOffset(x, y)] = uint8((r*qg+g)*qb + bl)
		}
	}
	return out
}
