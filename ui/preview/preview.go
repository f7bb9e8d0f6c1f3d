// Package preview renders what an examiner is allowed to see of a picture:
// by default small, grayscale and strongly blurred. Stored thumbnails are
// unblurred; the reduction happens here, at display time, so a supervisor can
// change the policy without re-ingesting.
package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/disintegration/imaging"
)

// Level is how much of the picture shows.
type Level int

const (
	// Blurred is the default grid view.
	Blurred Level = iota
	// Revealed is the time-limited, less blurred view (still grayscale).
	Revealed
	// RevealedColour is a deliberate, separately logged step.
	RevealedColour
)

// Policy sets the strength of each level; the zero value is not useful, use DefaultPolicy.
type Policy struct {
	BlurSigma   float64 // Gaussian sigma in thumbnail pixels for Blurred
	RevealSigma float64 // for Revealed and RevealedColour
	Size        int     // longest side shown, in pixels
}

// DefaultPolicy is strong enough that faces and bodies are not recognisable
// in the grid at the default size.
func DefaultPolicy() Policy { return Policy{BlurSigma: 8, RevealSigma: 1.5, Size: 160} }

// Render decodes a stored thumbnail and reduces it for display at level.
func Render(thumbJPEG []byte, level Level, p Policy) (image.Image, error) {
	img, err := jpeg.Decode(bytes.NewReader(thumbJPEG))
	if err != nil {
		return nil, fmt.Errorf("decode thumbnail: %w", err)
	}
	return reduce(img, level, p), nil
}

// blurScale: the grid's strong blur is computed on a picture this many times
// smaller and scaled back up, which looks the same (a wide Gaussian keeps
// nothing finer than the small picture holds) at a fraction of the cost of
// a wide kernel at full size: the grid renders hundreds of tiles a second.
const blurScale = 4

func reduce(img image.Image, level Level, p Policy) image.Image {
	if p.Size > 0 {
		img = imaging.Fit(img, p.Size, p.Size, imaging.Box)
	}
	if level != RevealedColour {
		img = imaging.Grayscale(img)
	}
	if level != Blurred {
		if p.RevealSigma > 0 {
			img = imaging.Blur(img, p.RevealSigma)
		}
		return img
	}
	if p.BlurSigma <= 0 {
		return img
	}
	b := img.Bounds()
	if p.BlurSigma < 2*blurScale || b.Dx() < 4*blurScale || b.Dy() < 4*blurScale {
		return imaging.Blur(img, p.BlurSigma)
	}
	small := imaging.Resize(img, b.Dx()/blurScale, b.Dy()/blurScale, imaging.Box)
	small = imaging.Blur(small, p.BlurSigma/blurScale)
	return imaging.Resize(small, b.Dx(), b.Dy(), imaging.Linear)
}
