package expand

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
)

// Inline images (ISO 32000-1, 8.9.7): "BI key value … ID data EI" inside
// a page's or a form XObject's content stream, with abbreviated keys and
// names. They are listed after the image XObjects, page by page, named
// "page N inline image K" (K counting the page's inline images in
// drawing order, its own content first, then the forms it uses, each
// once) or "page N form obj M inline image K", with the extension of
// what they hold, as image XObjects are: a DCT image is the JPEG as
// stored, samples are decoded to a PNG.

// pdfContentMax bounds a decoded content stream held to look for inline
// images in.
const pdfContentMax = 64 << 20

// pdfInlineKeys expands the abbreviated keys of an inline image's
// dictionary to the image XObject keys the decoder reads.
var pdfInlineKeys = map[pdfName]pdfName{
	"W": "Width", "H": "Height", "BPC": "BitsPerComponent", "CS": "ColorSpace",
	"F": "Filter", "DP": "DecodeParms", "IM": "ImageMask", "D": "Decode", "I": "Interpolate",
}

// pdfContent is one content stream to search: a page's, or a form's.
type pdfContent struct {
	page int
	form int64 // the form XObject's object number; 0 for a page's own
	s    *pdfStream
	res  pdfDict // the resources names in it refer to
}

// contents lists the content streams of every page in page order: the
// page's own, then the form XObjects its resources name (sorted by name,
// nested ones after their form), each form once in the document.
func (d *pdfDoc) contents() []pdfContent {
	var out []pdfContent
	root := d.catalog()
	if root == nil {
		return nil
	}
	seen := map[pdfRef]bool{}
	page := 0
	var forms func(res pdfDict, pg, depth int)
	forms = func(res pdfDict, pg, depth int) {
		xd, _ := d.resolve(res["XObject"]).(pdfDict)
		names := make([]string, 0, len(xd))
		for k := range xd {
			names = append(names, string(k))
		}
		sort.Strings(names)
		for _, k := range names {
			ref, ok := xd[pdfName(k)].(pdfRef)
			if !ok || seen[ref] || len(seen) > 1_000_000 || depth >= 16 {
				continue
			}
			seen[ref] = true
			s, ok := d.resolve(ref).(*pdfStream)
			if !ok {
				continue
			}
			if sub, _ := s.dict["Subtype"].(pdfName); sub != "Form" {
				continue
			}
			fres, _ := d.resolve(s.dict["Resources"]).(pdfDict)
			if fres == nil {
				fres = res // a form without resources uses its page's
			}
			out = append(out, pdfContent{page: pg, form: s.num, s: s, res: fres})
			forms(fres, pg, depth+1)
		}
	}
	var walk func(node any, inherited pdfDict, depth int)
	walk = func(node any, inherited pdfDict, depth int) {
		if ref, ok := node.(pdfRef); ok {
			if seen[ref] || depth > 64 {
				return
			}
			seen[ref] = true
		}
		n, ok := d.resolve(node).(pdfDict)
		if !ok {
			return
		}
		if r, ok := d.resolve(n["Resources"]).(pdfDict); ok {
			inherited = r
		}
		if kids, ok := d.resolve(n["Kids"]).(pdfArray); ok {
			for _, k := range kids {
				walk(k, inherited, depth+1)
			}
			return
		}
		page++
		for _, c := range pdfList(n["Contents"]) {
			if s, ok := d.resolve(c).(*pdfStream); ok {
				out = append(out, pdfContent{page: page, s: s, res: inherited})
			}
		}
		forms(inherited, page, 0)
	}
	walk(root["Pages"], nil, 0)
	return out
}

// pdfInline is one inline image found in a content stream.
type pdfInline struct {
	dict pdfDict // with the keys expanded
	data []byte  // as stored, between ID and EI
	at   int     // offset of data in the content stream
}

// inlineImages walks the inline images of every content stream.
func (d *pdfDoc) inlineImages(ctx context.Context, encrypted error, fn func(Member, [2]int64) error) error {
	if encrypted != nil {
		return nil // the content streams are as unreadable as the images
	}
	counts := map[[2]int64]int{} // page, form → inline images so far
	for _, c := range d.contents() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := d.decodeStream(c.s, pdfContentMax)
		if err != nil {
			continue // an unreadable content stream holds no image to list
		}
		// In place in the file when the content stream is stored plain.
		plain := d.crypt == nil && len(pdfList(c.s.dict["Filter"])) == 0
		err = findInlineImages(b, func(im pdfInline) error {
			key := [2]int64{int64(c.page), c.form}
			counts[key]++
			name := fmt.Sprintf("page %d inline image %d", c.page, counts[key])
			if c.form != 0 {
				name = fmt.Sprintf("page %d form obj %d inline image %d", c.page, c.form, counts[key])
			}
			span := [2]int64{-1, -1}
			at := int64(-1)
			if plain {
				at = c.s.data + int64(im.at)
				span = [2]int64{at, at + int64(len(im.data))}
			}
			return fn(d.inlineMember(name, im, c.res, at), span)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// findInlineImages tokenizes a content stream and calls fn for each
// inline image, in order. Strings, arrays and dictionaries are stepped
// over so "BI" inside them is not taken for the operator. A damaged
// image ends the stream's search (what follows cannot be told from its
// data).
func findInlineImages(b []byte, fn func(pdfInline) error) error {
	if !bytes.Contains(b, []byte("BI")) {
		return nil // most content streams: nothing to tokenize
	}
	l := &pdfLexer{b: b}
	for {
		l.skip()
		if l.p >= len(b) {
			return nil
		}
		switch c := b[l.p]; {
		case c == '(':
			if !skipLiteral(l) {
				return nil
			}
		case c == '<' && l.p+1 < len(b) && b[l.p+1] == '<', c == '>' && l.p+1 < len(b) && b[l.p+1] == '>':
			l.p += 2
		case c == '<':
			end := bytes.IndexByte(b[l.p:], '>')
			if end < 0 {
				return nil
			}
			l.p += end + 1
		case pdfDelim(c): // a name's slash, brackets, braces
			l.p++
		default:
			s := l.p
			for l.p < len(b) && pdfRegular(b[l.p]) {
				l.p++
			}
			if l.p-s != 2 || b[s] != 'B' || b[s+1] != 'I' {
				continue
			}
			im, ok := inlineAt(l)
			if !ok {
				return nil
			}
			if err := fn(im); err != nil {
				return err
			}
		}
	}
}

// skipLiteral steps over a literal string (balanced parentheses, with
// backslash escapes) without building it; false when it does not end.
func skipLiteral(l *pdfLexer) bool {
	depth := 0
	for ; l.p < len(l.b); l.p++ {
		switch l.b[l.p] {
		case '\\':
			l.p++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				l.p++
				return true
			}
		}
	}
	return false
}

// inlineAt reads an inline image after its BI: the dictionary up to ID,
// the data after the one white-space byte that follows ID, and EI, which
// l is left after.
func inlineAt(l *pdfLexer) (pdfInline, bool) {
	dict := pdfDict{}
	for {
		l.skip()
		if l.p >= len(l.b) {
			return pdfInline{}, false
		}
		if l.b[l.p] != '/' {
			if l.keyword() != "ID" {
				return pdfInline{}, false
			}
			break
		}
		k := l.name()
		v, err := l.value(1)
		if err != nil {
			return pdfInline{}, false
		}
		if full, ok := pdfInlineKeys[k]; ok {
			k = full
		}
		dict[k] = v
	}
	if l.p < len(l.b) && pdfSpace(l.b[l.p]) {
		l.p++
	}
	start := l.p
	end, next, ok := inlineEnd(l.b, start, inlineLength(dict))
	if !ok {
		return pdfInline{}, false
	}
	l.p = next
	return pdfInline{dict: dict, data: l.b[start:end], at: start}, true
}

// inlineLength is the data length an unfiltered inline image needs, or -1
// when it has filters or its size cannot be told.
func inlineLength(dict pdfDict) int64 {
	if len(pdfList(dict["Filter"])) > 0 {
		return -1
	}
	w, _ := pdfInt(dict["Width"])
	h, _ := pdfInt(dict["Height"])
	if w <= 0 || h <= 0 || w > 1<<24 || h > 1<<24 {
		return -1
	}
	bpc, n := int64(1), int64(1)
	if m, _ := dict["ImageMask"].(bool); !m {
		bpc, _ = pdfInt(dict["BitsPerComponent"])
		switch cs := dict["ColorSpace"].(type) {
		case pdfName:
			switch cs {
			case "RGB", "DeviceRGB", "CalRGB":
				n = 3
			case "CMYK", "DeviceCMYK":
				n = 4
			case "G", "DeviceGray", "CalGray":
			default:
				return -1 // a resource name: its size is not known here
			}
		case pdfArray: // Indexed: one component
		default:
			return -1
		}
	}
	if bpc <= 0 || bpc > 16 {
		return -1
	}
	return (w*n*bpc + 7) / 8 * h
}

// inlineEnd finds where an inline image's data (from start) ends and
// returns that and the offset after its EI. With a known length the EI
// must follow it (after white space); otherwise, or when it does not,
// the data ends at the first white space + "EI" + white space (or the
// end) that is followed by what a content stream holds: more operators,
// not binary data.
func inlineEnd(b []byte, start int, length int64) (end, next int, ok bool) {
	if length >= 0 && int64(len(b)-start) >= length {
		e := start + int(length)
		p := e
		for p < len(b) && pdfSpace(b[p]) {
			p++
		}
		if p+2 <= len(b) && b[p] == 'E' && b[p+1] == 'I' && (p+2 == len(b) || !pdfRegular(b[p+2])) {
			return e, p + 2, true
		}
	}
	for i := start; i < len(b); {
		j := bytes.Index(b[i:], []byte("EI"))
		if j < 0 {
			return 0, 0, false
		}
		p := i + j
		i = p + 1
		if p == start || !pdfSpace(b[p-1]) {
			continue
		}
		if p+2 < len(b) && !pdfSpace(b[p+2]) {
			continue
		}
		if !plausibleAfterEI(b[p+2:]) {
			continue
		}
		return p - 1, p + 2, true
	}
	return 0, 0, false
}

// plausibleAfterEI tells whether rest reads like content-stream syntax:
// printable text for a while, starting with an operand or an operator.
func plausibleAfterEI(rest []byte) bool {
	for _, c := range rest[:min(len(rest), 48)] {
		if c >= 0x7f || c < 0x20 && !pdfSpace(c) {
			return false
		}
	}
	l := &pdfLexer{b: rest}
	l.skip()
	if l.p >= len(rest) {
		return true
	}
	switch c := rest[l.p]; {
	case c == '/' || c == '(' || c == '<' || c == '[' || c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		return true
	case pdfDelim(c):
		return false
	}
	return pdfOperators[l.keyword()]
}

// pdfOperators are the content-stream operators (ISO 32000-1, A.2).
var pdfOperators = func() map[string]bool {
	m := map[string]bool{}
	for _, op := range []string{"b", "B", "b*", "B*", "BDC", "BI", "BMC", "BT", "BX", "c", "cm", "CS", "cs", "d", "d0", "d1",
		"Do", "DP", "EI", "EMC", "ET", "EX", "f", "F", "f*", "G", "g", "gs", "h", "i", "ID", "j", "J", "K", "k", "l", "m", "M",
		"MP", "n", "q", "Q", "re", "RG", "rg", "ri", "s", "S", "SC", "sc", "SCN", "scn", "sh", "T*", "Tc", "Td", "TD", "Tf",
		"Tj", "TJ", "TL", "Tm", "Tr", "Ts", "Tw", "Tz", "v", "w", "W", "W*", "y", "'", "\""} {
		m[op] = true
	}
	return m
}()

// inlineMember describes one inline image; res resolves a colour space
// named by resource, at is the data's offset in the file when it lies
// there as stored (-1 when not). Open reads the content stream's bytes:
// it is valid during the callback only, like every member's.
func (d *pdfDoc) inlineMember(name string, im pdfInline, res pdfDict, at int64) Member {
	dict := pdfDict{}
	for k, v := range im.dict {
		dict[k] = v
	}
	if n, ok := dict["ColorSpace"].(pdfName); ok {
		switch n {
		case "G", "RGB", "CMYK", "I", "DeviceGray", "DeviceRGB", "DeviceCMYK", "Indexed":
		default:
			if csd, ok := d.resolve(res["ColorSpace"]).(pdfDict); ok {
				if v, ok := csd[n]; ok {
					dict["ColorSpace"] = v
				}
			}
		}
	}
	stored := int64(len(im.data))
	m := Member{Name: name, Size: -1, Packed: stored}
	filters, params := d.filters(dict)
	ext := ".png"
	if len(filters) > 0 {
		switch filters[len(filters)-1] {
		case "DCTDecode":
			ext = ".jpg"
		case "JPXDecode":
			ext = ".jp2"
		}
	}
	m.Name += ext
	if ext != ".png" {
		filters, params = filters[:len(filters)-1], params[:len(params)-1]
	}
	for _, f := range filters {
		if !pdfDecodable(f) {
			m.Err = fmt.Errorf("PDF image filter %s not supported", f)
			return m
		}
	}
	data := im.data
	if ext != ".png" {
		if len(filters) == 0 {
			m.Size = stored
			if at >= 0 {
				m.Offset = at
				m.Open = func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(d.r, at, stored)), nil }
				return m
			}
			m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
			return m
		}
		m.Open = func() (io.ReadCloser, error) {
			b, err := data, error(nil)
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
	ras, err := d.raster(&pdfStream{num: -1, dict: dict})
	if err != nil {
		m.Err = err
		return m
	}
	if err := rasterWithinLimits(ras, stored); err != nil {
		m.Err = err
		return m
	}
	m.Open = func() (io.ReadCloser, error) {
		return decodeRaster(ras, data, filters, params)
	}
	return m
}
