package demo

import (
	"image"
	"math"
	"math/rand/v2"
)

// A painter draws one kind of benign synthetic picture over the whole image.
type painter struct {
	name  string
	paint func(img *image.RGBA, r *rand.Rand)
}

// painters lists the scene kinds; scene i uses painters()[i%len].
func painters() []painter {
	return []painter{
		{"landscape", paintLandscape},
		{"shapes", paintShapes},
		{"checkerboard", paintChecker},
		{"rings", paintRings},
		{"noise", paintNoise},
		{"walks", paintWalks},
		{"plasma", paintPlasma},
		{"mosaic", paintMosaic},
	}
}

// paintLandscape: sky gradient, a sun with glow, layers of rolling hills.
func paintLandscape(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	top := hsv(uniform(r, 195, 240), uniform(r, 0.5, 0.9), uniform(r, 0.3, 0.7))
	horizon := hsv(uniform(r, 15, 60), uniform(r, 0.1, 0.5), uniform(r, 0.85, 1))
	horizonY := h * uniform(r, 0.4, 0.7)
	sunX, sunY := w*uniform(r, 0.1, 0.9), horizonY*uniform(r, 0.2, 0.8)
	sunR := math.Min(w, h) * uniform(r, 0.04, 0.1)
	sun := hsv(uniform(r, 35, 60), uniform(r, 0.2, 0.6), 1)
	fill(img, func(x, y int) rgb {
		c := mix(top, horizon, math.Min(float64(y)/horizonY, 1))
		d := math.Hypot(float64(x)-sunX, float64(y)-sunY)
		if d < sunR {
			return sun
		}
		if g := 1 - d/(5*sunR); g > 0 {
			c = mix(c, sun, g*g*0.7)
		}
		return c
	})
	layers := 2 + r.IntN(3)
	hue := uniform(r, 70, 150)
	for k := range layers {
		base := horizonY + float64(k)*(h-horizonY)/float64(layers)*0.7
		amp := h * uniform(r, 0.03, 0.12)
		f1, f2 := uniform(r, 1, 3)*2*math.Pi/w, uniform(r, 4, 9)*2*math.Pi/w
		p1, p2 := r.Float64()*7, r.Float64()*7
		col := hsv(hue+uniform(r, -20, 20), uniform(r, 0.4, 0.8), 0.75-0.5*float64(k)/float64(layers))
		for x := range img.Rect.Dx() {
			fx := float64(x)
			ridge := base - amp*(math.Sin(f1*fx+p1)+0.4*math.Sin(f2*fx+p2))
			for y := max(int(ridge), 0); y < img.Rect.Dy(); y++ {
				// Hills darken a little towards the viewer.
				set(img, x, y, col.scale(1-0.25*(float64(y)-ridge)/h))
			}
		}
	}
}

// paintShapes: rectangles, circles and triangles scattered over a plain ground.
func paintShapes(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	bg := hsv(r.Float64()*360, uniform(r, 0, 0.3), uniform(r, 0.6, 0.95))
	fill(img, func(int, int) rgb { return bg })
	m := math.Min(w, h)
	for range 12 + r.IntN(20) {
		c, a := vivid(r), uniform(r, 0.7, 1)
		cx, cy, s := w*r.Float64(), h*r.Float64(), m*uniform(r, 0.04, 0.3)
		switch r.IntN(3) {
		case 0:
			rw, rh := s*uniform(r, 0.5, 1.5), s*uniform(r, 0.5, 1.5)
			for y := int(cy - rh/2); y < int(cy+rh/2); y++ {
				for x := int(cx - rw/2); x < int(cx+rw/2); x++ {
					blend(img, x, y, c, a)
				}
			}
		case 1:
			disc(img, cx, cy, s/2, c, a)
		default:
			var px, py [3]float64
			for i := range 3 {
				ang := r.Float64() * 2 * math.Pi
				px[i], py[i] = cx+s*math.Cos(ang), cy+s*math.Sin(ang)
			}
			triangle(img, px, py, c, a)
		}
	}
}

// triangle fills a triangle by testing edge signs over its bounding box.
func triangle(img *image.RGBA, px, py [3]float64, c rgb, a float64) {
	edge := func(i, j int, x, y float64) float64 {
		return (px[j]-px[i])*(y-py[i]) - (py[j]-py[i])*(x-px[i])
	}
	x0 := int(math.Min(px[0], math.Min(px[1], px[2])))
	x1 := int(math.Max(px[0], math.Max(px[1], px[2])))
	y0 := int(math.Min(py[0], math.Min(py[1], py[2])))
	y1 := int(math.Max(py[0], math.Max(py[1], py[2])))
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			e0, e1, e2 := edge(0, 1, fx, fy), edge(1, 2, fx, fy), edge(2, 0, fx, fy)
			if (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0) {
				blend(img, x, y, c, a)
			}
		}
	}
}

// paintChecker: a possibly rotated checkerboard in two or three colours.
func paintChecker(img *image.RGBA, r *rand.Rand) {
	cell := float64(img.Rect.Dx()) / uniform(r, 3, 14)
	ang := uniform(r, 0, math.Pi/4)
	cos, sin := math.Cos(ang), math.Sin(ang)
	cols := []rgb{vivid(r), hsv(r.Float64()*360, uniform(r, 0, 0.3), uniform(r, 0.1, 0.95)), vivid(r)}
	n := 2 + r.IntN(2)
	fill(img, func(x, y int) rgb {
		u := math.Floor((float64(x)*cos + float64(y)*sin) / cell)
		v := math.Floor((-float64(x)*sin + float64(y)*cos) / cell)
		i := int(u+v) % n
		if i < 0 {
			i += n
		}
		return cols[i]
	})
}

// paintRings: concentric shaded rings around a point that may lie off-image.
func paintRings(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	cx, cy := w*uniform(r, -0.3, 1.3), h*uniform(r, -0.3, 1.3)
	period := math.Min(w, h) / uniform(r, 4, 25)
	pal := make([]rgb, 3+r.IntN(3))
	for i := range pal {
		pal[i] = vivid(r)
	}
	fill(img, func(x, y int) rgb {
		d := math.Hypot(float64(x)-cx, float64(y)-cy) / period
		return pal[int(d)%len(pal)].scale(0.8 + 0.2*math.Cos(2*math.Pi*d))
	})
}

// paintNoise: fractal value noise mapped through a terrain-like colour ramp.
func paintNoise(img *image.RGBA, r *rand.Rand) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	n := newFBM(r, 3+r.IntN(5), 5)
	ramp := []rgb{vivid(r), vivid(r), vivid(r), vivid(r)}
	scale := 1 / float64(max(w, h))
	fill(img, func(x, y int) rgb {
		v := n.at(float64(x)*scale, float64(y)*scale) * float64(len(ramp)-1)
		i := min(int(v), len(ramp)-2)
		return mix(ramp[i], ramp[i+1], v-float64(i))
	})
}

// paintWalks: thick random-walk lines on a light ground.
func paintWalks(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	bg := hsv(r.Float64()*360, uniform(r, 0, 0.2), uniform(r, 0.8, 1))
	fill(img, func(int, int) rgb { return bg })
	step := math.Max(w, h) / 80
	for range 3 + r.IntN(6) {
		c, rad := vivid(r).scale(0.8), math.Max(1.5, math.Max(w, h)*uniform(r, 0.002, 0.008))
		x, y, dir := w*r.Float64(), h*r.Float64(), r.Float64()*2*math.Pi
		for range 150 + r.IntN(250) {
			dir += uniform(r, -0.6, 0.6)
			nx, ny := x+step*math.Cos(dir), y+step*math.Sin(dir)
			// Bounce off the borders so the walk stays in the picture.
			if nx < 0 || nx >= w || ny < 0 || ny >= h {
				dir += math.Pi
				continue
			}
			for t := 0.0; t < 1; t += rad / (2 * step) {
				disc(img, x+(nx-x)*t, y+(ny-y)*t, rad, c, 1)
			}
			x, y = nx, ny
		}
	}
}

// paintPlasma: interfering sine waves coloured by hue.
func paintPlasma(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	k := func() float64 { return uniform(r, 1, 5) * 2 * math.Pi / math.Max(w, h) }
	f1, f2, f3, f4 := k(), k(), k(), k()
	p1, p2, p3 := r.Float64()*7, r.Float64()*7, r.Float64()*7
	cx, cy := w*r.Float64(), h*r.Float64()
	hue, span, sat := r.Float64()*360, uniform(r, 40, 160), uniform(r, 0.5, 1)
	fill(img, func(x, y int) rgb {
		fx, fy := float64(x), float64(y)
		v := math.Sin(fx*f1+p1) + math.Sin(fy*f2+p2) + math.Sin((fx+fy)*f3+p3) + math.Sin(math.Hypot(fx-cx, fy-cy)*f4)
		return hsv(hue+v*span/4, sat, 0.6+0.1*v)
	})
}

// paintMosaic: Voronoi cells with dark grout between them.
func paintMosaic(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	type site struct {
		x, y float64
		c    rgb
	}
	sites := make([]site, 10+r.IntN(30))
	for i := range sites {
		sites[i] = site{w * r.Float64(), h * r.Float64(), vivid(r)}
	}
	grout := hsv(r.Float64()*360, 0.2, uniform(r, 0.05, 0.3))
	width := math.Max(w, h) * 0.004
	fill(img, func(x, y int) rgb {
		d1, d2, best := math.Inf(1), math.Inf(1), 0
		for i, s := range sites {
			dx, dy := float64(x)-s.x, float64(y)-s.y
			d := dx*dx + dy*dy // squared: the comparisons need no root
			switch {
			case d < d1:
				d1, d2, best = d, d1, i
			case d < d2:
				d2 = d
			}
		}
		if math.Sqrt(d2)-math.Sqrt(d1) < width {
			return grout
		}
		return sites[best].c
	})
}
