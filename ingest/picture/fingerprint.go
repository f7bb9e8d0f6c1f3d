package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/corona10/goimagehash"
	"github.com/disintegration/imaging"
)

const thumbQuality = 85

// fingerprint is the one canonical pipeline all formats share: box-filter the
// decoded pixels to the size a fit of the w×h picture into 256×256 gives,
// hash that, and encode the thumbnail. w×h is the picture's own size, not the
// decoded one, so a DCT-scaled decode lands on exactly the same grid as a
// full one.
func (a *Analyzer) fingerprint(img image.Image, w, h int) (phash, dhash uint64, thumb []byte, err error) {
	hw, hh := fitSize(w, h, hashSide)
	small := resizeTo(img, hw, hh)
	ph, err := goimagehash.PerceptionHash(small)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("phash: %w", err)
	}
	dh, err := goimagehash.DifferenceHash(small)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("dhash: %w", err)
	}
	if a.thumbSide != hashSide {
		tw, th := fitSize(w, h, a.thumbSide)
		small = resizeTo(img, tw, th)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return 0, 0, nil, fmt.Errorf("thumbnail: %w", err)
	}
	return ph.GetHash(), dh.GetHash(), buf.Bytes(), nil
}

// fitSize is the size imaging.Fit gives a w×h picture fitted into side×side:
// unchanged when it already fits, never less than one pixel.
func fitSize(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	aspect := float64(w) / float64(h)
	if w >= h {
		return side, max(1, int(float64(side)/aspect))
	}
	return max(1, int(float64(side)*aspect)), side
}

// resizeTo box-filters img to exactly w×h as NRGBA; no filtering when the
// size already matches.
func resizeTo(img image.Image, w, h int) *image.NRGBA {
	b := img.Bounds()
	if b.Dx() == w && b.Dy() == h {
		return imaging.Clone(img)
	}
	return imaging.Resize(img, w, h, imaging.Box)
}

// fitCost is what resizing a w×h decoded picture into side×side allocates:
// imaging resizes horizontally first (fitted width × full height), then
// vertically; a picture that already fits is cloned to NRGBA.
func fitCost(w, h, side int) int64 {
	fw, fh := fitSize(w, h, side)
	if fw == w && fh == h {
		return 4 * int64(w) * int64(h)
	}
	return 4*int64(fw)*int64(h) + 4*int64(fw)*int64(fh)
}
