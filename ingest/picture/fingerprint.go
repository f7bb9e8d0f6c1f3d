package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/corona10/goimagehash"
)

const thumbQuality = 85

// fingerprint is the one canonical pipeline all formats share: box-filter the
// decoded pixels to the size a fit of the w×h picture into 256×256 gives,
// hash that, and encode the thumbnail. w×h is the picture's own size, not the
// decoded one, so a DCT-scaled decode lands on exactly the same grid as a
// full one.
func (a *Analyzer) fingerprint(img image.Image, w, h int) (phash, dhash uint64, thumb []byte, fitted *image.RGBA, err error) {
	hw, hh := fitSize(w, h, hashSide)
	small := resizeTo(img, hw, hh)
	ph, dh, err := hashFitted(small)
	if err != nil {
		return 0, 0, nil, nil, err
	}
	if a.keepFit {
		fitted = small
	}
	if a.thumbSide != hashSide {
		tw, th := fitSize(w, h, a.thumbSide)
		small = resizeTo(img, tw, th)
	}
	thumb, err = encodeThumb(small, thumbQuality)
	if err != nil {
		return 0, 0, nil, nil, fmt.Errorf("thumbnail: %w", err)
	}
	return ph, dh, thumb, fitted, nil
}

// HashImage hashes an already decoded image (a video frame, say) with the
// same pipeline as pictures, so its hashes compare with theirs: box-fit to
// 256 px, then goimagehash's PerceptionHash and DifferenceHash.
func HashImage(img image.Image) (phash, dhash uint64, err error) {
	phash, dhash, _, err = HashImageFitted(img)
	return phash, dhash, err
}

// HashImageFitted is HashImage that also returns the 256-px fit it hashed,
// the pixels the signals models are given for pictures (Result.Fitted):
// video frames reach the models exactly as pictures do, without a second
// resize.
func HashImageFitted(img image.Image) (phash, dhash uint64, fitted *image.RGBA, err error) {
	b := img.Bounds()
	if b.Empty() {
		return 0, 0, nil, fmt.Errorf("hash image: empty %dx%d image", b.Dx(), b.Dy())
	}
	hw, hh := fitSize(b.Dx(), b.Dy(), hashSide)
	fitted = resizeTo(img, hw, hh)
	phash, dhash, err = hashFitted(fitted)
	if err != nil {
		return 0, 0, nil, err
	}
	return phash, dhash, fitted, nil
}

// hashFitted computes both hashes of the already fitted hash image.
func hashFitted(small *image.RGBA) (phash, dhash uint64, err error) {
	ph, err := goimagehash.PerceptionHash(small)
	if err != nil {
		return 0, 0, fmt.Errorf("phash: %w", err)
	}
	dh, err := goimagehash.DifferenceHash(small)
	if err != nil {
		return 0, 0, fmt.Errorf("dhash: %w", err)
	}
	return ph.GetHash(), dh.GetHash(), nil
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

// resizeTo box-filters img to exactly w×h, opaque over black.
func resizeTo(img image.Image, w, h int) *image.RGBA {
	return boxFit(img, w, h)
}

// fitCost is what resizing a w×h decoded picture into side×side allocates.
func fitCost(w, h, side int) int64 {
	fw, fh := fitSize(w, h, side)
	return boxFitCost(w, h, fw, fh)
}

// encodeThumbStd is the pure-Go thumbnail encoder.
func encodeThumbStd(img *image.RGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
