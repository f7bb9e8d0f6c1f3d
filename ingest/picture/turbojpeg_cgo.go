//go:build cgo

package picture

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

// TurboJPEG keeps some messages in thread-local storage, and two cgo calls
// from one goroutine may run on different threads: each call and the
// reading of its error therefore happen in one C function.
#define SCRIM_ERR(h, code, msg, n) do { *(code) = tjGetErrorCode(h); \
	snprintf((msg), (n), "%s", tjGetErrorStr2(h)); } while (0)

static int scrim_header(tjhandle h, const unsigned char *src, unsigned long n,
		int *w, int *ht, int *sub, int *cs, int *code, char *msg, int msglen) {
	int r = tjDecompressHeader3(h, src, n, w, ht, sub, cs);
	if (r != 0) SCRIM_ERR(h, code, msg, msglen);
	return r;
}

static int scrim_decompress(tjhandle h, const unsigned char *src, unsigned long n,
		unsigned char *dst, int w, int pitch, int ht, int *code, char *msg, int msglen) {
	int r = tjDecompress2(h, src, n, dst, w, pitch, ht, TJPF_RGBA, 0);
	if (r != 0) SCRIM_ERR(h, code, msg, msglen);
	return r;
}

static int scrim_compress(tjhandle h, const unsigned char *src, int w, int pitch, int ht,
		unsigned char **out, unsigned long *size, int quality, int *code, char *msg, int msglen) {
	int r = tjCompress2(h, src, w, pitch, ht, TJPF_RGBA, out, size, TJSAMP_420, quality, 0);
	if (r != 0) SCRIM_ERR(h, code, msg, msglen);
	return r;
}
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
	var e turboError
	if C.scrim_header(h, src, C.ulong(len(data)), &w, &ht, &subsamp, &cs, &e.code, &e.msg[0], C.int(len(e.msg))) != 0 {
		return nil, e.err()
	}
	if cs == C.TJCS_CMYK || cs == C.TJCS_YCCK {
		return nil, errors.New("CMYK JPEG: left to image/jpeg")
	}
	sw, sh := (int(w)*num+7)/8, (int(ht)*num+7)/8
	img := image.NewRGBA(image.Rect(0, 0, sw, sh))
	if C.scrim_decompress(h, src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&img.Pix[0])),
		C.int(sw), C.int(img.Stride), C.int(sh), &e.code, &e.msg[0], C.int(len(e.msg))) != 0 {
		if e.code != C.TJERR_WARNING {
			return nil, e.err()
		}
		// Warnings such as extraneous bytes before a marker are common in
		// camera files whose pictures are whole; a premature end ("Premature
		// end of JPEG file", "premature end of data segment") is not.
		if strings.Contains(strings.ToLower(e.err().Error()), "premature end") {
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
	var e turboError
	if C.scrim_compress(h, (*C.uchar)(unsafe.Pointer(&img.Pix[0])), C.int(b.Dx()), C.int(img.Stride), C.int(b.Dy()),
		&out, &size, C.int(quality), &e.code, &e.msg[0], C.int(len(e.msg))) != 0 {
		return nil, e.err()
	}
	defer C.tjFree(out)
	return C.GoBytes(unsafe.Pointer(out), C.int(size)), nil
}

// turboError is a TurboJPEG error copied out in the call that raised it.
type turboError struct {
	code C.int
	msg  [200]C.char
}

func (e *turboError) err() error {
	return fmt.Errorf("libjpeg-turbo: %s", C.GoString(&e.msg[0]))
}
