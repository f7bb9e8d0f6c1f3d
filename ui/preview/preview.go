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
	if p.Size > 0 {
		img = imaging.Fit(img, p.Size, p.Size, imaging.Box)
	}
	sigma := p.BlurSigma
	if level != Blurred {
		sigma = p.RevealSigma
	}
	if level != RevealedColour {
		img = imaging.Grayscale(img)
	}
	if sigma > 0 {
		img = imaging.Blur(img, sigma)
	}
	return img, nil
}
