package expand

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"scrim/ingest/carve"
)

// pdfFormat lists the image XObjects of a PDF, then its inline images
// (pdfinline.go), the same way: a DCT stream is the JPEG
// as stored, a JPX stream the JPEG 2000 file, and raw samples (behind
// Flate, LZW, RunLength, ASCIIHex or ASCII85, with PNG or TIFF predictors)
// are decoded to a PNG. Soft masks and stencil masks are members of their
// own, named as masks, as pdfimages lists them. Objects are found by
// scanning, so a broken cross-reference table or a truncated file still
// gives its images. Pictures hidden elsewhere in the file (appended after
// %%EOF, inside a stream that is not an image) are carved like in any
// file of another type, outside the image streams already listed.
type pdfFormat struct {
	noInline bool // inline images are not looked for (the benchmark's baseline)
}

func (pdfFormat) Name() string { return "pdf" }

// Probe finds "%PDF-" within the first 1024 bytes, where readers accept it.
func (pdfFormat) Probe(h []byte) bool { return bytes.Contains(h[:min(len(h), 1024)], []byte("%PDF-")) }

// ErrPDFEncrypted marks the images of an encrypted PDF.
var ErrPDFEncrypted = errors.New("PDF is encrypted, images not readable")

func (pf pdfFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	d, err := scanPDF(ctx, r, size)
	if err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	// The images of a PDF encrypted with a user password are listed with
	// the reason; with the empty one (most are) they are read.
	encrypted := d.encryption()
	pages := d.pagesOf()
	var images []*pdfStream
	masks := map[int64]string{} // object number → "soft mask", "mask"
	for _, s := range d.streams {
		if sub, _ := d.resolve(s.dict["Subtype"]).(pdfName); sub != "Image" {
			continue
		}
		images = append(images, s)
		// In a fixed order: names must come out the same on every walk.
		for _, mk := range [...]struct{ key, kind string }{{"SMask", "soft mask"}, {"Mask", "mask"}} {
			key, kind := pdfName(mk.key), mk.kind
			if ref, ok := s.dict[key].(pdfRef); ok {
				masks[ref.num] = kind
				if _, ok := pages[ref.num]; !ok && pages[s.num] > 0 {
					pages[ref.num] = pages[s.num]
				}
			}
		}
	}
	type span struct{ from, to int64 }
	var claimed []span
	for _, s := range images {
		if err := ctx.Err(); err != nil {
			return err
		}
		claimed = append(claimed, span{s.data, s.data + s.length})
		if err := fn(d.imageMember(s, pages[s.num], masks[s.num], encrypted)); err != nil {
			return err
		}
	}
	if pf.noInline {
		encrypted = errors.New("not looked for") // no inline images
	}
	err = d.inlineImages(ctx, encrypted, func(m Member, at [2]int64) error {
		if at[0] >= 0 {
			claimed = append(claimed, span{at[0], at[1]})
		}
		return fn(m)
	})
	if err != nil {
		return err
	}
	sort.Slice(claimed, func(i, j int) bool { return claimed[i].from < claimed[j].from })
	err = carve.Carve(ctx, r, 0, size, func(f carve.Found) error {
		i := sort.Search(len(claimed), func(i int) bool { return claimed[i].to > f.Offset })
		if i < len(claimed) && claimed[i].from <= f.Offset {
			return nil // the image listed above
		}
		return fn(Member{Name: fmt.Sprintf("carved@%d.%s", f.Offset, f.Type), Size: f.Size, Packed: f.Size, Offset: f.Offset,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(r, f.Offset, f.Size)), nil }})
	})
	if err != nil {
		return err
	}
	// Linearized files have a %%EOF near the start too: the file is whole
	// when one follows the last object.
	if d.lastEOF < d.lastObj {
		return fmt.Errorf("pdf: no %%%%EOF marker after the last object (at byte %d): the file is truncated", d.lastObj)
	}
	return nil
}

// imageMember describes one image XObject.
func (d *pdfDoc) imageMember(s *pdfStream, page int, mask string, encrypted error) Member {
	kind := "image"
	if mask != "" {
		kind = mask
	}
	name := fmt.Sprintf("%s obj %d", kind, s.num)
	if s.gen != 0 {
		name += fmt.Sprintf(" %d", s.gen)
	}
	if page > 0 {
		name = fmt.Sprintf("page %d %s", page, name)
	}
	m := Member{Name: name, Size: -1, Packed: s.length}
	filters, params := d.filters(s.dict)
	stored := ""
	if len(filters) > 0 {
		switch filters[len(filters)-1] {
		case "DCTDecode":
			stored = ".jpg"
		case "JPXDecode":
			stored = ".jp2"
		}
	}
	if stored != "" {
		m.Name += stored
		filters, params = filters[:len(filters)-1], params[:len(params)-1]
	} else {
		m.Name += ".png"
	}
	if encrypted != nil {
		m.Err = encrypted
		return m
	}
	for _, f := range filters {
		if !pdfDecodable(f) {
			m.Err = fmt.Errorf("PDF image filter %s not supported", f)
			return m
		}
	}
	if stored != "" {
		if len(filters) == 0 && d.crypt == nil {
			m.Size, m.Offset = s.length, s.data
			m.Open = func() (io.ReadCloser, error) {
				return io.NopCloser(io.NewSectionReader(d.r, s.data, s.length)), nil
			}
			return m
		}
		m.Open = func() (io.ReadCloser, error) {
			b, err := d.streamBytes(s, pdfImageMax)
			for i := 0; err == nil && i < len(filters); i++ {
				b, err = pdfDecode(filters[i], params[i], b, pdfImageMax)
			}
			if err != nil {
				return nil, err
			}
			return io.NopCloser(bytes.NewReader(b)), nil
		}
		return m
	}
	ras, err := d.raster(s)
	if err != nil {
		m.Err = err
		return m
	}
	if err := rasterWithinLimits(ras, s.length); err != nil {
		m.Err = err
		return m
	}
	m.Open = func() (io.ReadCloser, error) {
		b, err := d.streamBytes(s, pdfImageMax)
		if err != nil {
			return nil, err
		}
		return decodeRaster(ras, b, filters, params)
	}
	return m
}

// rasterWithinLimits refuses an image whose samples or picture would take
// more than the PDF image limit, or whose samples claim far more than the
// stored bytes give (a bomb), before anything is allocated.
func rasterWithinLimits(ras pdfRaster, stored int64) error {
	lim := Limits{}.WithDefaults()
	switch samples := ras.sampleBytes(); {
	case max(samples, ras.pictureBytes()) > pdfImageMax:
		return &LimitError{Name: "bytes", Detail: fmt.Sprintf("PDF image of %d×%d pixels needs %d bytes decoded, over the %d-byte PDF image limit",
			ras.w, ras.h, max(samples, ras.pictureBytes()), pdfImageMax)}
	case samples > lim.RatioFloor && samples > lim.MaxRatio*max(stored, 1):
		return &LimitError{Name: "ratio", Detail: fmt.Sprintf("PDF image of %d stored bytes claims %d bytes of samples (more than %d times)",
			stored, samples, lim.MaxRatio)}
	}
	return nil
}

// decodeRaster undoes an image's filters on its stored bytes b and builds
// the PNG of its samples.
func decodeRaster(ras pdfRaster, b []byte, filters []pdfName, params []pdfDict) (io.ReadCloser, error) {
	want := ras.sampleBytes()
	// Slack for the predictors' row tags and writers' padding.
	limit := want + want/8 + int64(ras.h) + 4096
	var err error
	for i := 0; err == nil && i < len(filters); i++ {
		b, err = pdfDecode(filters[i], params[i], b, limit)
	}
	if err != nil {
		return nil, err
	}
	img, err := ras.picture(b)
	if err != nil {
		return nil, err
	}
	out, err := encodePNG(img)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(out)), nil
}

// raster reads an image's geometry and colour space.
func (d *pdfDoc) raster(s *pdfStream) (pdfRaster, error) {
	w, _ := pdfInt(d.resolve(s.dict["Width"]))
	h, _ := pdfInt(d.resolve(s.dict["Height"]))
	if w <= 0 || h <= 0 || w > 1<<24 || h > 1<<24 {
		return pdfRaster{}, fmt.Errorf("PDF image of %d×%d pixels", w, h)
	}
	r := pdfRaster{w: int(w), h: int(h)}
	if m, _ := d.resolve(s.dict["ImageMask"]).(bool); m {
		r.bpc, r.cs = 1, &pdfColorSpace{name: "stencil mask", n: 1}
	} else {
		bpc, _ := pdfInt(d.resolve(s.dict["BitsPerComponent"]))
		switch bpc {
		case 1, 2, 4, 8, 16:
		default:
			return pdfRaster{}, fmt.Errorf("PDF image with %d bits per component", bpc)
		}
		cs, err := d.colorSpace(s.dict["ColorSpace"], pdfRef{s.num, s.gen}, 0)
		if err != nil {
			return pdfRaster{}, err
		}
		if cs.base != nil && bpc == 16 {
			return pdfRaster{}, fmt.Errorf("Indexed PDF image with 16 bits per component")
		}
		r.bpc, r.cs = int(bpc), cs
	}
	if arr, ok := d.resolve(s.dict["Decode"]).(pdfArray); ok && len(arr) >= 2*r.cs.n {
		for _, v := range arr[:2*r.cs.n] {
			f, _ := pdfFloat(d.resolve(v))
			r.decode = append(r.decode, f)
		}
	}
	return r, nil
}
