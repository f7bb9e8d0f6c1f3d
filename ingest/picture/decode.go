package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
	gwebp "github.com/gen2brain/webp"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	xwebp "golang.org/x/image/webp"
)

// supported reports whether typ is a type name Analyze decodes.
func supported(typ string) bool {
	switch typ {
	case "jpeg", "png", "gif", "bmp", "webp", "tiff", "heic", "avif":
		return true
	}
	return false
}

// guard runs one decoder call, turning a panic into an error: third-party
// decoders fed hostile bytes must never take the ingest down.
func guard(typ string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decode %s: panic: %v", typ, r)
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("decode %s: %w", typ, err)
	}
	return nil
}

// readConfig reads only the header: dimensions and colour model.
func readConfig(data []byte, typ string) (image.Config, error) {
	r := bytes.NewReader(data)
	switch typ {
	case "jpeg":
		return jpegConfig(r)
	case "png":
		return png.DecodeConfig(r)
	case "gif":
		return gif.DecodeConfig(r)
	case "bmp":
		return bmp.DecodeConfig(r)
	case "tiff":
		return tiff.DecodeConfig(r)
	case "webp":
		return xwebp.DecodeConfig(r)
	case "heic":
		return heic.DecodeConfig(r)
	case "avif":
		return avif.DecodeConfig(r)
	}
	return image.Config{}, ErrUnsupported
}

// decodeCost estimates the bytes a full decode of a non-JPEG picture holds at
// its peak: the decoded pixels, plus for the WASM decoders a second copy of
// the pixels inside the module and the input copied into it.
func decodeCost(typ string, cfg image.Config, dataLen int) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	bpp := bytesPerPixel(cfg.ColorModel)
	switch typ {
	case "png":
		// Interlaced PNGs hold each pass as well as the result.
		return 2 * px * bpp
	case "webp":
		// Lossless WebP keeps an ARGB working copy beside the result.
		return px * 8
	case "heic", "avif":
		// Planes and RGBA inside the WASM module (up to 16 bits a sample),
		// then the Go copy.
		return px*16 + 2*int64(dataLen)
	}
	return px * bpp
}

// bytesPerPixel of the image a decoder returns for colour model m.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// decodeOther decodes every format but JPEG. The returned name says which
// decoder produced the pixels.
func decodeOther(data []byte, typ string) (img image.Image, name string, err error) {
	r := bytes.NewReader(data)
	switch typ {
	case "png":
		img, err = png.Decode(r)
		return img, "image/png", err
	case "gif":
		// gif.Decode stops after the first frame.
		img, err = gif.Decode(r)
		return img, "image/gif", err
	case "bmp":
		img, err = bmp.Decode(r)
		return img, "x/image/bmp", err
	case "tiff":
		img, err = tiff.Decode(r)
		return img, "x/image/tiff", err
	case "webp":
		img, err = xwebp.Decode(r)
		if err != nil && webpAnimated(data) {
			// x/image/webp has no animation support; libwebp (WASM) returns
			// the first frame.
			img, err = gwebp.Decode(bytes.NewReader(data))
			return img, "gen2brain/webp", err
		}
		return img, "x/image/webp", err
	case "heic":
		img, err = heic.Decode(r)
		return img, "gen2brain/heic" + wasmOrNative(heic.Dynamic()), err
	case "avif":
		img, err = avif.Decode(r)
		return img, "gen2brain/avif" + wasmOrNative(avif.Dynamic()), err
	}
	return nil, "", ErrUnsupported
}

// wasmOrNative tells the examiner whether gen2brain used its embedded WASM
// build (sandboxed) or a system shared library it found at start-up.
func wasmOrNative(dynamicErr error) string {
	if dynamicErr == nil {
		return " (shared library)"
	}
	return ""
}

// webpAnimated reports whether data is an extended WebP with the animation
// flag set.
func webpAnimated(data []byte) bool {
	return len(data) > 20 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0
}
