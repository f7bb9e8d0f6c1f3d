package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/gen2brain/webp"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Picture formats an original can be saved in.
const (
	fmtJPEG = "jpeg"
	fmtPNG  = "png"
	fmtGIF  = "gif"
	fmtBMP  = "bmp"
	fmtTIFF = "tiff"
	fmtWebP = "webp"
)

// encode saves img in format; quality applies to JPEG and WebP. WebP uses
// method 2 because the WASM encoder is slow at the default 4.
func encode(format string, img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case fmtJPEG:
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	case fmtPNG:
		// Best speed: default compression costs over a second per tree.
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	case fmtGIF:
		if rgba, ok := img.(*image.RGBA); ok {
			img = quantize(rgba)
		}
		err = gif.Encode(&buf, img, &gif.Options{NumColors: 256})
	case fmtBMP:
		err = bmp.Encode(&buf, img)
	case fmtTIFF:
		err = tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate, Predictor: true})
	case fmtWebP:
		err = webp.Encode(&buf, img, webp.Options{Quality: quality, Method: 2})
	default:
		err = fmt.Errorf("unknown format")
	}
	if err != nil {
		return nil, fmt.Errorf("demo: encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}
