//go:build cgo

package picture

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"unsafe"
)

// The TurboJPEG API of libjpeg-turbo reads from memory, scales by n/8 inside
// the IDCT, converts to RGBA with SIMD, and keeps libjpeg's warnings to itself
// (plain libjpeg prints the first one to stderr), which is why it is used
// here instead of the libjpeg API.

// errTruncated marks a JPEG that ends before its last scan.
var errTruncated = errors.New("truncated: the file ends before the picture does")

// turboDecode decodes data at num/8 scale into RGBA.
func turboDecode(data []byte, num int) (*image.RGBA, error) {
	if len(data) == 0 {
		return nil, errors.New("empty")
	}
	h := C.tjInitDecompress()
	if h == nil {
		return nil, errors.New("libjpeg-turbo: cannot start a decompressor")
	}
	defer C.tjDestroy(h)
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	var w, ht, subsamp, cs C.int
	if C.tjDecompressHeader3(h, src, C.ulong(len(data)), &w, &ht, &subsamp, &cs) != 0 {
		return nil, turboErr(h)
	}
	if cs == C.TJCS_CMYK || cs == C.TJCS_YCCK {
		return nil, errors.New("CMYK JPEG: left to image/jpeg")
	}
	sw, sh := (int(w)*num+7)/8, (int(ht)*num+7)/8
	img := image.NewRGBA(image.Rect(0, 0, sw, sh))
	if C.tjDecompress2(h, src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&img.Pix[0])),
		C.int(sw), C.int(img.Stride), C.int(sh), C.TJPF_RGBA, 0) != 0 {
		err := turboErr(h)
		if C.tjGetErrorCode(h) != C.TJERR_WARNING {
			return nil, err
		}
		// Warnings such as extraneous bytes before a marker are common in
		// camera files whose pictures are whole; a premature end is not.
		if strings.Contains(err.Error(), "Premature end") {
			return nil, errTruncated
		}
	}
	return img, nil
}

// turboEncode compresses an opaque RGBA picture, 4:2:0.
func turboEncode(img *image.RGBA, quality int) ([]byte, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, errors.New("empty picture")
	}
	h := C.tjInitCompress()
	if h == nil {
		return nil, errors.New("libjpeg-turbo: cannot start a compressor")
	}
	defer C.tjDestroy(h)
	var out *C.uchar
	var size C.ulong
	if C.tjCompress2(h, (*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(b.Dx()), C.int(img.Stride), C.int(b.Dy()),
		C.TJPF_RGBA, &out, &size, C.TJSAMP_420, C.int(quality), 0) != 0 {
		return nil, turboErr(h)
	}
	defer C.tjFree(out)
	return C.GoBytes(unsafe.Pointer(out), C.int(size)), nil
}

func turboErr(h C.tjhandle) error {
	return fmt.Errorf("libjpeg-turbo: %s", C.GoString(C.tjGetErrorStr2(h)))
}
