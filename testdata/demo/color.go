package demo

import (
	"image"
	"math"
	"math/rand/v2"
)

// rgb is a colour with float channels in 0…255, convenient for blending.
type rgb struct{ r, g, b float64 }

func (c rgb) scale(f float64) rgb { return rgb{c.r * f, c.g * f, c.b * f} }

func mix(a, b rgb, t float64) rgb {
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

// hsv converts hue (degrees), saturation and value (0…1) to rgb.
func hsv(h, s, v float64) rgb {
	h = math.Mod(h, 360)
	if h < 0 {
		h += 360
	}
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return rgb{(r + m) * 255, (g + m) * 255, (b + m) * 255}
}

// vivid returns a saturated, reasonably bright random colour.
func vivid(r *rand.Rand) rgb {
	return hsv(r.Float64()*360, 0.45+0.55*r.Float64(), 0.45+0.55*r.Float64())
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func clamp8(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

func set(img *image.RGBA, x, y int, c rgb) {
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+4 : i+4]
	p[0], p[1], p[2], p[3] = clamp8(c.r), clamp8(c.g), clamp8(c.b), 255
}

func get(img *image.RGBA, x, y int) rgb {
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+3 : i+3]
	return rgb{float64(p[0]), float64(p[1]), float64(p[2])}
}

// blend paints c over the pixel with opacity a (0…1).
func blend(img *image.RGBA, x, y int, c rgb, a float64) {
	if !(image.Point{x, y}.In(img.Rect)) {
		return
	}
	set(img, x, y, mix(get(img, x, y), c, a))
}

// fill sets every pixel from f.
func fill(img *image.RGBA, f func(x, y int) rgb) {
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			set(img, x, y, f(x, y))
		}
	}
}

// disc paints a filled circle with a one-pixel soft edge.
func disc(img *image.RGBA, cx, cy, rad float64, c rgb, a float64) {
	x0, x1 := int(math.Floor(cx-rad-1)), int(math.Ceil(cx+rad+1))
	y0, y1 := int(math.Floor(cy-rad-1)), int(math.Ceil(cy+rad+1))
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			if cov := rad + 0.5 - d; cov > 0 {
				blend(img, x, y, c, a*math.Min(cov, 1))
			}
		}
	}
}
