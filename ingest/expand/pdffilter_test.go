package expand

import (
	"bytes"
	"compress/lzw"
	"encoding/ascii85"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tiffStrip returns the one strip of a baseline TIFF (little-endian, as
// ImageMagick writes it with all rows in one strip) and its predictor.
func tiffStrip(t *testing.T, b []byte) ([]byte, int64) {
	t.Helper()
	if len(b) < 8 || string(b[:2]) != "II" {
		t.Fatalf("not a little-endian TIFF")
	}
	le := binary.LittleEndian
	ifd := int(le.Uint32(b[4:]))
	n := int(le.Uint16(b[ifd:]))
	var off, count int
	pred := int64(1)
	for i := range n {
		e := b[ifd+2+12*i:]
		tag, typ, cnt := le.Uint16(e), le.Uint16(e[2:]), le.Uint32(e[4:])
		v := int(le.Uint32(e[8:]))
		if typ == 3 {
			v = int(le.Uint16(e[8:]))
		}
		if cnt != 1 && (tag == 273 || tag == 279) {
			t.Fatalf("TIFF of %d strips", cnt)
		}
		switch tag {
		case 273:
			off = v
		case 279:
			count = v
		case 317:
			pred = int64(v)
		}
	}
	return b[off : off+count], pred
}

// TestPDFFilters: LZW with early change (the TIFF variant, as ImageMagick
// writes it) and without (compress/lzw's writer), PackBits (PDF's
// RunLength, as ImageMagick writes TIFF), ASCII85 (encoding/ascii85) and
// ASCIIHex all give back the samples.
func TestPDFFilters(t *testing.T) {
	dir := t.TempDir()
	const w, h = 61, 40
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{uint8((x / 4 * 13) ^ (y * 3))})
		}
	}
	var pb bytes.Buffer
	png.Encode(&pb, img)
	os.WriteFile(filepath.Join(dir, "g.png"), pb.Bytes(), 0o644)
	samples := img.Pix

	for _, c := range []struct {
		compress string
		filter   pdfName
	}{{"LZW", "LZWDecode"}, {"RLE", "RunLengthDecode"}} {
		out := c.compress + ".tif"
		pdfTool(t, dir, "convert", "g.png", "-depth", "8", "-type", "Grayscale", "-compress", c.compress,
			"-define", fmt.Sprintf("tiff:rows-per-strip=%d", h), out)
		b, _ := os.ReadFile(filepath.Join(dir, out))
		strip, pred := tiffStrip(t, b)
		// ImageMagick differences LZW samples (TIFF predictor 2), which
		// PDF's LZW undoes too.
		got, err := pdfDecode(c.filter, pdfDict{"Predictor": pred, "Columns": int64(w)}, strip, 1<<20)
		if err != nil || !bytes.Equal(got, samples) {
			i := 0
			for i < min(len(got), len(samples)) && got[i] == samples[i] {
				i++
			}
			t.Errorf("%s: %d bytes (%v), want %d; first difference at %d: % x / % x", c.filter, len(got), err, len(samples), i, got[i:min(i+8, len(got))], samples[i:min(i+8, len(samples))])
		}
	}

	var z bytes.Buffer
	lw := lzw.NewWriter(&z, lzw.MSB, 8)
	lw.Write(samples)
	lw.Close()
	got, err := pdfDecode("LZWDecode", pdfDict{"EarlyChange": int64(0)}, z.Bytes(), 1<<20)
	if err != nil || !bytes.Equal(got, samples) {
		t.Errorf("LZW without early change: %d bytes (%v)", len(got), err)
	}

	a85 := make([]byte, ascii85.MaxEncodedLen(len(samples)))
	a85 = append(a85[:ascii85.Encode(a85, samples)], "~>"...)
	if got, err := pdfDecode("ASCII85Decode", nil, a85, 1<<20); err != nil || !bytes.Equal(got, samples) {
		t.Errorf("ASCII85: %d bytes (%v)", len(got), err)
	}
	hx := strings.ToUpper(hex.EncodeToString(samples)) + ">"
	if got, err := pdfDecode("ASCIIHexDecode", nil, []byte(hx), 1<<20); err != nil || !bytes.Equal(got, samples) {
		t.Errorf("ASCIIHex: %d bytes (%v)", len(got), err)
	}
	// A decoder stops at its limit instead of growing without bound.
	var big bytes.Buffer
	bw := lzw.NewWriter(&big, lzw.MSB, 8)
	bw.Write(make([]byte, 4<<20))
	bw.Close()
	var tooLarge errPDFTooLarge
	if _, err := pdfDecode("LZWDecode", pdfDict{"EarlyChange": int64(0)}, big.Bytes(), 1<<20); !errors.As(err, &tooLarge) {
		t.Errorf("LZW past its limit: %v", err)
	}
}

// TestPDFImageLimits: a header claiming 100000×100000 pixels, or samples
// far beyond what its stream could hold, is a member with a named limit,
// decided before anything is allocated; an unsupported filter is listed
// with its name.
func TestPDFImageLimits(t *testing.T) {
	obj := func(n int, dict, data string) string {
		return fmt.Sprintf("%d 0 obj\n<< /Type /XObject /Subtype /Image %s /Length %d >>\nstream\n%s\nendstream\nendobj\n", n, dict, len(data), data)
	}
	pdf := "%PDF-1.7\n" +
		obj(1, "/Width 100000 /Height 100000 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode", "x") +
		obj(2, "/Width 5000 /Height 4000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", "xy") +
		obj(3, "/Width 8 /Height 8 /ImageMask true /Filter /CCITTFaxDecode", "zz") +
		obj(4, "/Width 8 /Height 8 /ColorSpace [/Separation /Spot /DeviceCMYK 5 0 R] /BitsPerComponent 8", strings.Repeat("\x00", 64)) +
		obj(5, "/Width 2 /Height 1 /ColorSpace /DeviceRGB /BitsPerComponent 8", "\xff\x00\x00\x00\x00\xff") +
		"trailer\n<< >>\n%%EOF\n"
	got, err := walkAll(t, []byte(pdf))
	if err != nil || len(got) != 5 {
		t.Fatalf("%d members (%v): %+v", len(got), err, got)
	}
	for i, want := range []string{"bytes", "ratio"} {
		if le, ok := IsLimit(got[i].err); !ok || le.Name != want {
			t.Errorf("%s: %v, want the %s limit", got[i].name, got[i].err, want)
		}
	}
	if got[2].err == nil || got[2].err.Error() != "PDF image filter CCITTFaxDecode not supported" {
		t.Errorf("%s: %v", got[2].name, got[2].err)
	}
	if got[3].err == nil || !strings.Contains(got[3].err.Error(), "Separation not supported") {
		t.Errorf("%s: %v", got[3].name, got[3].err)
	}
	if got[4].name != "image obj 5.png" || got[4].err != nil {
		t.Fatalf("%+v", got[4])
	}
	p, err := png.Decode(bytes.NewReader(got[4].data))
	if err != nil || p.Bounds().Dx() != 2 {
		t.Fatalf("decoded: %v", err)
	}
	if r, _, b, _ := p.At(0, 0).RGBA(); r != 0xffff || b != 0 {
		t.Errorf("first pixel %v", p.At(0, 0))
	}
}
