//go:build cgo

package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"strings"

	libjpeg "github.com/pixiv/go-libjpeg/jpeg"
)

// decodeJPEG with cgo: libjpeg(-turbo) with DCT scaling, so a 12-megapixel
// photo is decoded straight to about 500×375 instead of 4000×3000. If
// libjpeg refuses the file (CMYK, odd subsampling, corrupt), image/jpeg gets
// its own try at full size.
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
	name := libjpegName() + " " + ratio(num, 8)

	release, err := a.reserve("jpeg", cfg, libjpegCost(cfg, info, sw, sh)+fitCost(sw, sh, a.decodeSide()))
	if err != nil {
		return decoded{name: name}, err
	}
	opt := &libjpeg.DecoderOptions{DCTMethod: libjpeg.DCTISlow, DisableFancyUpsampling: a.jpeg.noFancyUpsample}
	if a.jpeg.fastDCT {
		opt.DCTMethod = libjpeg.DCTIFast
	}
	if num < 8 {
		opt.ScaleTarget = image.Rect(0, 0, tw, th)
	}
	src := &edgeReader{data: data}
	var img image.Image
	err = guard("jpeg", func() (err error) {
		img, err = libjpeg.DecodeIntoRGBA(src, opt)
		return err
	})
	if err == nil && src.overrun {
		// go-libjpeg feeds a fake end marker and returns a part-grey picture;
		// image/jpeg would fail on the same bytes, so do not try it.
		release()
		return decoded{name: name}, fmt.Errorf("decode jpeg: truncated: libjpeg needed bytes past the end of the file")
	}
	if err == nil && (img == nil || img.Bounds().Dx() != sw || img.Bounds().Dy() != sh) {
		err = fmt.Errorf("decode jpeg: libjpeg returned %v, want %dx%d", boundsOf(img), sw, sh)
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
		return d, fmt.Errorf("%w (after %s: %s)", err2, libjpegName(), strings.TrimPrefix(err.Error(), "decode jpeg: "))
	}
	return d, nil
}

// jpegScale is the smallest libjpeg scale num/8 whose output still covers
// tw×th, so the box filter only ever shrinks. It mirrors go-libjpeg's own
// choice for ScaleTarget, which the caller passes.
func jpegScale(w, h, tw, th int) int {
	for num := 1; num < 8; num++ {
		if (num*w+7)/8 >= tw && (num*h+7)/8 >= th {
			return num
		}
	}
	return 8
}

// libjpegCost: the scaled RGBA picture go-libjpeg allocates (padded), plus,
// for progressive files, libjpeg's whole-image coefficient buffer, which is
// full size whatever the scale (int16 per sample).
func libjpegCost(cfg image.Config, info jpegInfo, sw, sh int) int64 {
	cost := float64(sw+32) * float64(sh+32) * max(4, info.planes) // RGBA output
	if info.progressive {
		cost += 2 * float64(cfg.Width) * float64(cfg.Height) * info.planes
	}
	return int64(cost)
}

// libjpegName tells libjpeg-turbo from plain libjpeg by its RGBA extension.
func libjpegName() string {
	if libjpeg.SupportRGBA() {
		return "libjpeg-turbo"
	}
	return "libjpeg"
}

func ratio(num, den int) string {
	a, b := num, den
	for b != 0 {
		a, b = b, a%b
	}
	return fmt.Sprintf("%d/%d", num/a, den/a)
}

func boundsOf(img image.Image) any {
	if img == nil {
		return "no image"
	}
	return img.Bounds()
}

// edgeReader notes when libjpeg asks for bytes past the end: go-libjpeg then
// hides the truncation behind a fake end-of-image marker. It never returns an
// error other than io.EOF, since go-libjpeg treats one as I/O suspension.
type edgeReader struct {
	data    []byte
	off     int
	overrun bool
}

func (r *edgeReader) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		r.overrun = true
		return 0, io.EOF
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}

// encodeThumb uses libjpeg-turbo: six times faster than image/jpeg at
// thumbnail size. Thumbnails are for viewing only; hashes never read them.
func encodeThumb(img *image.RGBA, quality int) (out []byte, err error) {
	var buf bytes.Buffer
	err = guard("thumbnail", func() error {
		return libjpeg.Encode(&buf, img, &libjpeg.EncoderOptions{Quality: quality})
	})
	if err != nil {
		return encodeThumbStd(img, quality)
	}
	return buf.Bytes(), nil
}
