package demo

import (
	"image"
	"math"
	"math/rand/v2"
)

// Independent PCG streams per purpose, so adding files of one kind never
// shifts the content or dates of another.
const (
	streamScene = 1 << 20 // + scene index
	streamDates = 1
	streamOther = 2
	streamVideo = 3
	streamBulk  = 4
	streamJPEGs = 1 << 21 // + picture index
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// scene is one rendered base picture.
type scene struct {
	index int
	kind  string
	img   *image.RGBA
}

// renderScene draws scene i with the given longest side; it depends only on
// seed, i and size, so scenes can be rendered in parallel.
func renderScene(seed int64, i, size int) scene {
	kind, img := paintScene(newRand(seed, streamScene+uint64(i)), i, size)
	return scene{index: i, kind: kind, img: img}
}

// paintScene picks a shape for the picture and paints it with painter k
// (modulo the number of painters) and a broad light, all from r.
func paintScene(r *rand.Rand, k, size int) (string, *image.RGBA) {
	// The shapes of pictures people have: 4:3, 3:2, 16:9, square, portrait.
	aspects := [...][2]int{{4, 3}, {3, 2}, {16, 9}, {1, 1}, {3, 4}, {2, 3}}
	a := aspects[r.IntN(len(aspects))]
	w, h := size, size*a[1]/a[0]
	if a[1] > a[0] {
		w, h = size*a[0]/a[1], size
	}
	return paintSized(r, k, w, h)
}

// paintSized paints painter k (modulo the number of painters) on a w×h canvas.
func paintSized(r *rand.Rand, k, w, h int) (string, *image.RGBA) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	ps := painters()
	p := ps[k%len(ps)]
	p.paint(img, r)
	light(img, r)
	return p.name, img
}

// light multiplies the picture by a broad wave of light and shade at a
// random angle, so even two scenes of the same kind differ strongly in the
// low frequencies that perceptual hashes look at.
func light(img *image.RGBA, r *rand.Rand) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	ang, cycles := r.Float64()*2*math.Pi, uniform(r, 0.5, 1.5)
	kx, ky := cycles*math.Cos(ang)*2*math.Pi/w, cycles*math.Sin(ang)*2*math.Pi/h
	phase, depth := r.Float64()*2*math.Pi, uniform(r, 0.3, 0.6)
	// cos(a+b) = cos a·cos b − sin a·sin b, with a per column and b per
	// row, saves a cosine per pixel.
	ca, sa := make([]float64, img.Rect.Dx()), make([]float64, img.Rect.Dx())
	for x := range ca {
		ca[x], sa[x] = math.Cos(kx*float64(x)), math.Sin(kx*float64(x))
	}
	for y := range img.Rect.Dy() {
		cb, sb := math.Cos(ky*float64(y)+phase), math.Sin(ky*float64(y)+phase)
		for x := range ca {
			f := 1 - depth*(0.5+0.5*(ca[x]*cb-sa[x]*sb))
			set(img, x, y, get(img, x, y).scale(f))
		}
	}
}
