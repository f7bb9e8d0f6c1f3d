package expand

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
)

// An image XObject whose samples are stored raw (or behind Flate, LZW…)
// is decoded to a picture and handed out as a PNG built by image/png, so
// it is hashed, fingerprinted and shown like any picture.

// pdfImageMax bounds the memory a decoded image may take, samples and
// picture each: a header claiming 100000×100000 pixels is refused before
// anything is allocated.
const pdfImageMax = 256 << 20

// pdfColorSpace is what decoding needs of an image's colour space.
type pdfColorSpace struct {
	name    string
	n       int            // components per sample
	base    *pdfColorSpace // Indexed: the space the palette is in
	hival   int            // Indexed: the highest index
	palette []byte         // Indexed: (hival+1) × base.n bytes
}

// colorSpace reads /ColorSpace: the device spaces, their calibrated and
// ICC-based forms (by /N), and Indexed over any of them. owner is the
// object holding v, whose key decrypts a lookup string.
func (d *pdfDoc) colorSpace(v any, owner pdfRef, depth int) (*pdfColorSpace, error) {
	if ref, ok := v.(pdfRef); ok {
		owner = ref
	}
	v = d.resolve(v)
	if depth > 4 {
		return nil, fmt.Errorf("colour spaces nested too deep")
	}
	var family pdfName
	var arr pdfArray
	switch c := v.(type) {
	case pdfName:
		family = c
	case pdfArray:
		if len(c) == 0 {
			return nil, fmt.Errorf("empty colour space array")
		}
		family, _ = d.resolve(c[0]).(pdfName)
		arr = c
	case nil:
		return nil, fmt.Errorf("image without /ColorSpace")
	default:
		return nil, fmt.Errorf("colour space of type %T not understood", v)
	}
	switch family {
	case "DeviceGray", "G", "CalGray":
		return &pdfColorSpace{name: string(family), n: 1}, nil
	case "DeviceRGB", "RGB", "CalRGB":
		return &pdfColorSpace{name: string(family), n: 3}, nil
	case "DeviceCMYK", "CMYK":
		return &pdfColorSpace{name: string(family), n: 4}, nil
	case "ICCBased":
		if len(arr) < 2 {
			return nil, fmt.Errorf("ICCBased colour space without its profile")
		}
		var n int64
		switch p := d.resolve(arr[1]).(type) {
		case *pdfStream:
			n, _ = pdfInt(d.resolve(p.dict["N"]))
		case pdfDict:
			n, _ = pdfInt(d.resolve(p["N"]))
		}
		switch n {
		case 1, 3, 4:
			return &pdfColorSpace{name: fmt.Sprintf("ICCBased/N %d", n), n: int(n)}, nil
		}
		return nil, fmt.Errorf("ICCBased colour space with /N %d not supported", n)
	case "Indexed", "I":
		if len(arr) < 4 {
			return nil, fmt.Errorf("Indexed colour space with %d of 4 entries", len(arr))
		}
		base, err := d.colorSpace(arr[1], owner, depth+1)
		if err != nil {
			return nil, fmt.Errorf("Indexed base: %w", err)
		}
		if base.base != nil {
			return nil, fmt.Errorf("Indexed colour space over Indexed")
		}
		hival, ok := pdfInt(d.resolve(arr[2]))
		if !ok || hival < 0 || hival > 255 {
			return nil, fmt.Errorf("Indexed colour space hival %v out of 0–255", arr[2])
		}
		var lookup []byte
		if ref, ok := arr[3].(pdfRef); ok {
			owner = ref
		}
		switch l := d.resolve(arr[3]).(type) {
		case pdfString:
			lookup = d.decryptString(owner, l)
		case *pdfStream:
			var err error
			if lookup, err = d.decodeStream(l, 1<<20); err != nil {
				return nil, fmt.Errorf("Indexed lookup stream: %w", err)
			}
		default:
			return nil, fmt.Errorf("Indexed colour space without a lookup table")
		}
		want := int(hival+1) * base.n
		if len(lookup) < want { // a short table is padded with black, as viewers do
			lookup = append(lookup, make([]byte, want-len(lookup))...)
		}
		return &pdfColorSpace{name: "Indexed", n: 1, base: base, hival: int(hival), palette: lookup[:want]}, nil
	}
	return nil, fmt.Errorf("PDF image colour space %s not supported", family)
}

// pdfRaster is the geometry of an image's samples.
type pdfRaster struct {
	w, h, bpc int
	cs        *pdfColorSpace
	decode    []float64 // /Decode, 2 per component; nil for the default
}

// rowBytes is the bytes of one row of samples.
func (r pdfRaster) rowBytes() int64 { return (int64(r.w)*int64(r.cs.n)*int64(r.bpc) + 7) / 8 }

// sampleBytes is the bytes of all samples.
func (r pdfRaster) sampleBytes() int64 { return r.rowBytes() * int64(r.h) }

// pictureBytes is the memory of the picture built from them.
func (r pdfRaster) pictureBytes() int64 {
	per := int64(1)
	switch {
	case r.cs.base != nil:
	case r.cs.n == 1 && r.bpc == 16:
		per = 2
	case r.cs.n >= 3 && r.bpc == 16:
		per = 8
	case r.cs.n >= 3:
		per = 4
	}
	return int64(r.w) * int64(r.h) * per
}

// picture builds the picture from samples, applying /Decode.
func (r pdfRaster) picture(samples []byte) (image.Image, error) {
	if int64(len(samples)) < r.sampleBytes() {
		return nil, fmt.Errorf("image data cut short: %d of %d bytes", len(samples), r.sampleBytes())
	}
	maxv := 1<<r.bpc - 1
	n := r.cs.n
	// Per component, the output value of every sample value.
	lut := make([][]uint16, n)
	for c := range n {
		lo, hi := 0.0, 1.0
		if r.cs.base != nil {
			hi = float64(maxv)
		}
		if len(r.decode) >= 2*n {
			lo, hi = r.decode[2*c], r.decode[2*c+1]
		}
		lut[c] = make([]uint16, maxv+1)
		for s := range maxv + 1 {
			f := lo + float64(s)*(hi-lo)/float64(maxv)
			if r.cs.base != nil {
				lut[c][s] = uint16(min(max(math.Round(f), 0), float64(r.cs.hival)))
				continue
			}
			out := 255.0
			if r.bpc == 16 {
				out = 65535
			}
			lut[c][s] = uint16(min(max(math.Round(f*out), 0), out))
		}
	}
	row := int(r.rowBytes())
	sample := func(line []byte, i int) int {
		switch r.bpc {
		case 8:
			return int(line[i])
		case 16:
			return int(line[2*i])<<8 | int(line[2*i+1])
		}
		bit := i * r.bpc
		return int(line[bit/8]>>(8-r.bpc-bit%8)) & maxv
	}
	rect := image.Rect(0, 0, r.w, r.h)
	switch {
	case r.cs.base != nil:
		pal := make(color.Palette, r.cs.hival+1)
		for i := range pal {
			pal[i] = pdfColor(r.cs.base.n, r.cs.palette[i*r.cs.base.n:(i+1)*r.cs.base.n])
		}
		img := image.NewPaletted(rect, pal)
		for y := range r.h {
			line := samples[y*row : (y+1)*row]
			for x := range r.w {
				img.Pix[y*img.Stride+x] = uint8(lut[0][sample(line, x)])
			}
		}
		return img, nil
	case n == 1 && r.bpc == 16:
		img := image.NewGray16(rect)
		for y := range r.h {
			line := samples[y*row : (y+1)*row]
			for x := range r.w {
				v := lut[0][sample(line, x)]
				img.Pix[y*img.Stride+2*x], img.Pix[y*img.Stride+2*x+1] = uint8(v>>8), uint8(v)
			}
		}
		return img, nil
	case n == 1:
		img := image.NewGray(rect)
		for y := range r.h {
			line := samples[y*row : (y+1)*row]
			for x := range r.w {
				img.Pix[y*img.Stride+x] = uint8(lut[0][sample(line, x)])
			}
		}
		return img, nil
	case n == 3 && r.bpc == 16:
		img := image.NewNRGBA64(rect)
		for y := range r.h {
			line := samples[y*row : (y+1)*row]
			for x := range r.w {
				p := img.Pix[y*img.Stride+8*x:]
				for c := range 3 {
					v := lut[c][sample(line, 3*x+c)]
					p[2*c], p[2*c+1] = uint8(v>>8), uint8(v)
				}
				p[6], p[7] = 0xff, 0xff
			}
		}
		return img, nil
	default: // RGB, or CMYK shown as RGB
		img := image.NewNRGBA(rect)
		var px [4]byte
		for y := range r.h {
			line := samples[y*row : (y+1)*row]
			for x := range r.w {
				for c := range n {
					v := lut[c][sample(line, n*x+c)]
					if r.bpc == 16 {
						v >>= 8
					}
					px[c] = uint8(v)
				}
				c := pdfColor(n, px[:n])
				p := img.Pix[y*img.Stride+4*x:]
				p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 0xff
			}
		}
		return img, nil
	}
}

// pdfColor is one colour of n components (gray, RGB, CMYK) as RGB.
func pdfColor(n int, v []byte) color.NRGBA {
	switch n {
	case 1:
		return color.NRGBA{v[0], v[0], v[0], 0xff}
	case 3:
		return color.NRGBA{v[0], v[1], v[2], 0xff}
	}
	r, g, b := color.CMYKToRGB(v[0], v[1], v[2], v[3])
	return color.NRGBA{r, g, b, 0xff}
}

// encodePNG writes the picture; image/png is deterministic, so reading a
// member back gives the bytes ingest hashed.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
