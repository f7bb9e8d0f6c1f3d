package demo

import (
	"image"
	"math/rand/v2"

	"github.com/disintegration/imaging"
)

// photoSketch is the longest side a photo is painted at before upscaling;
// small keeps big photos cheap and the upscale softens edges like a lens.
const photoSketch = 800

// photo paints a w×h photographic-looking picture: a scene painted small,
// upscaled smoothly, then covered in sensor-like grain so that it carries
// the high-frequency detail (and JPEG cost) of a real photo.
func photo(r *rand.Rand, k, w, h int) *image.RGBA {
	sw, sh := photoSketch, max(1, photoSketch*h/w)
	if h > w {
		sw, sh = max(1, photoSketch*w/h), photoSketch
	}
	_, sketch := paintSized(r, k, sw, sh)
	big := imaging.Resize(sketch, w, h, imaging.CatmullRom)
	grain(big.Pix, r)
	// Every pixel is opaque, so the NRGBA bytes are valid RGBA bytes too,
	// and *image.RGBA takes the JPEG encoder's fast path.
	return &image.RGBA{Pix: big.Pix, Stride: big.Stride, Rect: big.Rect}
}

// grain adds triangular noise of about ±12 to each colour channel.
func grain(pix []byte, r *rand.Rand) {
	for i := 0; i < len(pix); i += 4 {
		v := r.Uint64()
		for c := range 3 {
			n := int(v>>(16*c)&0xff)%13 + int(v>>(16*c+8)&0xff)%13 - 12
			pix[i+c] = byte(min(max(int(pix[i+c])+n, 0), 255))
		}
	}
}
