//go:build cgo

package picture

import (
	"errors"
	"fmt"
	"image"
	"strings"
)

// decodeJPEG with cgo: libjpeg-turbo with DCT scaling, so a 12-megapixel
// photo is decoded straight to about 500×375 instead of 4000×3000. If
// libjpeg-turbo refuses the file (CMYK, odd sampling, damage it cannot step
// over), image/jpeg gets its own try at full size.
func (a *Analyzer) decodeJPEG(data []byte, cfg image.Config) (decoded, error) {
	info := scanJPEG(data)
	if err := checkScans(info); err != nil {
		return decoded{}, err
	}
	if a.jpeg.forcePureGoJPEG {
		return a.decodeJPEGStd(data, cfg, info)
	}
	tw, th := fitSize(cfg.Width, cfg.Height, a.decodeSide())
	num := jpegScale(cfg.Width, cfg.Height, tw, th)
	if a.jpeg.disableScaling {
		num = 8
	}
	sw, sh := (num*cfg.Width+7)/8, (num*cfg.Height+7)/8
	name := "libjpeg-turbo " + ratio(num, 8)

	release, err := a.reserve("jpeg", cfg, libjpegCost(cfg, info, sw, sh)+fitCost(sw, sh, a.decodeSide()))
	if err != nil {
		return decoded{name: name}, err
	}
	var img *image.RGBA
	err = guard("jpeg", func() (err error) {
		img, err = turboDecode(data, num)
		return err
	})
	if errors.Is(err, errTruncated) {
		// image/jpeg fails on the same bytes: no second try.
		release()
		return decoded{name: name}, err // guard already says "decode jpeg"
	}
	if err == nil && (img.Bounds().Dx() != sw || img.Bounds().Dy() != sh) {
		err = fmt.Errorf("decode jpeg: libjpeg-turbo returned %v, want %dx%d", img.Bounds(), sw, sh)
	}
	if err == nil {
		return decoded{img: img, name: name, release: release, scaled: num < 8}, nil
	}
	release()
	d, err2 := a.decodeJPEGStd(data, cfg, info)
	if err2 != nil {
		if errors.Is(err2, ErrTooLarge) {
			return d, err2
		}
		return d, fmt.Errorf("%w (after %s)", err2, strings.TrimPrefix(err.Error(), "decode jpeg: "))
	}
	return d, nil
}

// jpegScale is the smallest scale num/8 whose output still covers tw×th, so
// the box filter only ever shrinks.
func jpegScale(w, h, tw, th int) int {
	for num := 1; num < 8; num++ {
		if (num*w+7)/8 >= tw && (num*h+7)/8 >= th {
			return num
		}
	}
	return 8
}

// libjpegCost: the scaled RGBA picture, plus, for progressive files,
// libjpeg's whole-image coefficient buffer, which is full size whatever the
// scale (int16 per sample).
func libjpegCost(cfg image.Config, info jpegInfo, sw, sh int) int64 {
	cost := 4 * float64(sw) * float64(sh)
	if info.progressive {
		cost += 2 * float64(cfg.Width) * float64(cfg.Height) * info.planes
	}
	return int64(cost)
}

func ratio(num, den int) string {
	a, b := num, den
	for b != 0 {
		a, b = b, a%b
	}
	return fmt.Sprintf("%d/%d", num/a, den/a)
}

// encodeThumb uses libjpeg-turbo: six times faster than image/jpeg at
// thumbnail size. Thumbnails are for viewing only; hashes never read them.
func encodeThumb(img *image.RGBA, quality int) ([]byte, error) {
	var out []byte
	err := guard("thumbnail", func() (err error) {
		out, err = turboEncode(img, quality)
		return err
	})
	if err != nil {
		return encodeThumbStd(img, quality)
	}
	return out, nil
}
