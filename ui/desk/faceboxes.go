package desk

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/disintegration/imaging"

	"scrim/store"
	"scrim/ui/preview"
)

// Face boxes in details: the models' boxes drawn over the picture exactly
// as the grid shows it (blurred and grayscale under the same policy), so
// an examiner sees where the faces were found without seeing the faces.
// The preview is enlarged after the blur, which leaves it as blurred as in
// the grid; only the boxes are sharp.

// faceBoxSide is the longest side of the details' preview, in pixels.
const faceBoxSide = 320

// faceBoxColour stands out on a grayscale preview: no pixel of it is
// this colourful.
var faceBoxColour = color.RGBA{R: 255, G: 190, B: 0, A: 255}

// facePreview renders a picture's stored thumbnail as the grid does and
// draws the face boxes (in pixels of the w×h picture) on it.
func facePreview(thumb []byte, faces []store.FaceSignal, w, h int, pol preview.Policy) (*image.RGBA, error) {
	img, err := preview.Render(thumb, preview.Blurred, pol)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("empty thumbnail")
	}
	nw, nh := faceBoxSide, max(1, faceBoxSide*b.Dy()/b.Dx())
	if b.Dy() > b.Dx() {
		nw, nh = max(1, faceBoxSide*b.Dx()/b.Dy()), faceBoxSide
	}
	big := imaging.Resize(img, nw, nh, imaging.Linear)
	out := image.NewRGBA(big.Bounds())
	draw.Draw(out, out.Bounds(), big, big.Bounds().Min, draw.Src)
	if w <= 0 || h <= 0 {
		return out, nil
	}
	sx := float64(out.Bounds().Dx()) / float64(w)
	sy := float64(out.Bounds().Dy()) / float64(h)
	for _, f := range faces {
		r := image.Rect(int(f.X*sx), int(f.Y*sy), int((f.X+f.W)*sx+0.5), int((f.Y+f.H)*sy+0.5))
		outline(out, r.Intersect(out.Bounds()), 2, faceBoxColour)
	}
	return out, nil
}

// outline draws a rectangle's border, thick pixels wide, inside r.
func outline(img *image.RGBA, r image.Rectangle, thick int, c color.RGBA) {
	if r.Empty() {
		return
	}
	u := image.NewUniform(c)
	t := min(thick, r.Dx(), r.Dy())
	for _, e := range []image.Rectangle{
		{r.Min, image.Pt(r.Max.X, r.Min.Y+t)}, {image.Pt(r.Min.X, r.Max.Y-t), r.Max},
		{r.Min, image.Pt(r.Min.X+t, r.Max.Y)}, {image.Pt(r.Max.X-t, r.Min.Y), r.Max},
	} {
		draw.Draw(img, e, u, image.Point{}, draw.Src)
	}
}
