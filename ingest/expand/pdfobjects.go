package expand

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
)

// A PDF's objects are found by scanning for "N G obj" headers rather than
// trusting the cross-reference table, the way forensic tools read PDFs:
// a broken or missing xref, a truncated file or objects left behind by
// incremental updates are all still read. Objects inside object streams
// (/Type /ObjStm) are read from them when a reference needs one.

const (
	pdfScanBlock = 1 << 20
	// pdfHeaderMax bounds "N G obj" with its white space, so a header cut
	// by a block edge is found again in the next block.
	pdfHeaderMax = 64
	// pdfObjectMax bounds the bytes one object's dictionary may span.
	pdfObjectMax = 4 << 20
	// pdfObjStmMax bounds a decoded object stream.
	pdfObjStmMax = 64 << 20
	// pdfMaxObjects bounds the objects of one PDF.
	pdfMaxObjects = 4_000_000
)

// pdfStream is a stream object: its dictionary and where its data lies.
type pdfStream struct {
	num, gen int64
	dict     pdfDict
	data     int64 // offset of the first data byte
	length   int64 // data bytes, from /Length or the endstream keyword
}

// pdfDoc is what a scan learned of one PDF.
type pdfDoc struct {
	r        io.ReaderAt
	size     int64
	offsets  map[int64]int64 // object number → offset of its last "N G obj"
	streams  []*pdfStream    // every stream object, in file order
	byData   map[int64]*pdfStream
	trailers []pdfDict     // trailer dictionaries and xref stream dictionaries
	lastEOF  int64         // offset of the last %%EOF marker, -1 when none
	lastObj  int64         // offset of the last object header
	objStm   map[int64]any // objects read from object streams, once loaded
	resolved int           // references followed, bounded per document
	crypt    *pdfCrypt     // set when the streams are encrypted and the key is known
	inLength bool          // a stream's /Length reference is being followed
}

// scanPDF finds every object header, trailer and %%EOF of a PDF, then reads
// each object's header to keep the streams.
func scanPDF(ctx context.Context, r io.ReaderAt, size int64) (*pdfDoc, error) {
	d := &pdfDoc{r: r, size: size, offsets: map[int64]int64{}, byData: map[int64]*pdfStream{}, lastEOF: -1}
	type hit struct{ num, gen, off int64 }
	var hits []hit
	var trailerAt []int64
	buf := make([]byte, min(pdfScanBlock, size))
	// A keyword is handled by the first block that holds it and the byte
	// after it; blocks overlap so the header before it is there too.
	handled := int64(0)
	for pos := int64(0); pos < size; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
		if n == 0 && err != nil {
			return nil, fmt.Errorf("read at %d: %w", pos, err)
		}
		b := buf[:n]
		end := pos + int64(n)
		last := end == size
		mine := func(i, kw int) bool {
			k := pos + int64(i)
			return k >= handled && (last || i+kw < len(b))
		}
		for i := 0; ; i += 3 {
			j := bytes.Index(b[i:], []byte("obj"))
			if j < 0 {
				break
			}
			i += j
			if !mine(i, 3) || (i+3 < len(b) && pdfRegular(b[i+3])) {
				continue
			}
			if num, gen, start, ok := objHeaderBefore(b, i); ok && (len(hits) == 0 || pos+int64(start) > hits[len(hits)-1].off) {
				if len(hits) >= pdfMaxObjects {
					return nil, fmt.Errorf("more than %d objects", pdfMaxObjects)
				}
				hits = append(hits, hit{num, gen, pos + int64(start)})
			}
		}
		for i := 0; ; i += 7 {
			j := bytes.Index(b[i:], []byte("trailer"))
			if j < 0 {
				break
			}
			i += j
			if mine(i, 7) && (len(trailerAt) == 0 || pos+int64(i)+7 > trailerAt[len(trailerAt)-1]) {
				trailerAt = append(trailerAt, pos+int64(i)+7)
			}
		}
		if i := bytes.LastIndex(b, []byte("%%EOF")); i >= 0 {
			d.lastEOF = max(d.lastEOF, pos+int64(i))
		}
		if last {
			break
		}
		handled = end - 8
		pos = max(end-pdfHeaderMax, pos+1)
	}
	uniq := hits // in file order, each once
	if len(uniq) == 0 {
		return nil, fmt.Errorf("no objects found")
	}
	d.lastObj = uniq[len(uniq)-1].off
	// A /Length may refer to an object further on: every header is known
	// before any is read, and object streams are loaded only after the
	// scan, once all streams are known.
	for _, h := range uniq {
		d.offsets[h.num] = h.off
	}
	d.objStm = map[int64]any{}
	// A stream's data may hold bytes that read like a header: headers
	// inside the data of a stream read before are skipped.
	covered := int64(-1)
	kept := map[int64]int64{}
	for _, h := range uniq {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if h.off < covered {
			continue
		}
		kept[h.num] = h.off
		_, s, err := d.readObject(h.off)
		if err != nil {
			continue // a damaged object: the others are still read
		}
		if s != nil {
			s.num, s.gen = h.num, h.gen
			d.streams = append(d.streams, s)
			d.byData[s.data] = s
			covered = s.data + s.length
			if t, _ := s.dict["Type"].(pdfName); t == "XRef" {
				d.trailers = append(d.trailers, s.dict)
			}
		}
	}
	d.offsets, d.objStm = kept, nil
	for _, off := range trailerAt {
		b, err := readAtMost(r, off, 64<<10)
		if err != nil {
			continue
		}
		l := &pdfLexer{b: b}
		if v, err := l.value(0); err == nil {
			if t, ok := v.(pdfDict); ok {
				d.trailers = append(d.trailers, t)
			}
		}
	}
	return d, nil
}

// objHeaderBefore parses "num gen " ending just before b[i] ("obj").
func objHeaderBefore(b []byte, i int) (num, gen int64, start int, ok bool) {
	p := i
	if p == 0 || !pdfSpace(b[p-1]) {
		return 0, 0, 0, false
	}
	for p > 0 && pdfSpace(b[p-1]) && i-p < 8 {
		p--
	}
	ge := p
	for p > 0 && b[p-1] >= '0' && b[p-1] <= '9' && ge-p < 6 {
		p--
	}
	if p == ge || p == 0 || !pdfSpace(b[p-1]) {
		return 0, 0, 0, false
	}
	gs := p
	for p > 0 && pdfSpace(b[p-1]) && gs-p < 8 {
		p--
	}
	ne := p
	for p > 0 && b[p-1] >= '0' && b[p-1] <= '9' && ne-p < 11 {
		p--
	}
	if p == ne || (p > 0 && pdfRegular(b[p-1])) {
		return 0, 0, 0, false
	}
	num, err1 := strconv.ParseInt(string(b[p:ne]), 10, 64)
	gen, err2 := strconv.ParseInt(string(b[gs:ge]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, 0, false
	}
	return num, gen, p, true
}

// readObject parses the object whose "N G obj" header starts at off; a
// stream object also returns where its data lies.
func (d *pdfDoc) readObject(off int64) (any, *pdfStream, error) {
	for want := int64(4096); ; want *= 4 {
		b, err := readAtMost(d.r, off, min(want, pdfObjectMax))
		if err != nil {
			return nil, nil, err
		}
		v, s, err := d.parseObject(b, off)
		if err == errPDFShort && int64(len(b)) == min(want, pdfObjectMax) && want < pdfObjectMax {
			continue
		}
		return v, s, err
	}
}

func (d *pdfDoc) parseObject(b []byte, off int64) (any, *pdfStream, error) {
	l := &pdfLexer{b: b}
	for range 2 { // num gen
		if _, err := l.value(0); err != nil {
			return nil, nil, err
		}
	}
	if k := l.keyword(); k != "obj" {
		return nil, nil, fmt.Errorf("object at %d: %q where obj belongs", off, k)
	}
	v, err := l.value(0)
	if err != nil {
		return nil, nil, fmt.Errorf("object at %d: %w", off, err)
	}
	dict, ok := v.(pdfDict)
	if !ok {
		return v, nil, nil
	}
	save := l.p
	if l.keyword() != "stream" {
		l.p = save
		return v, nil, nil
	}
	// The keyword is followed by CRLF or LF; writers also put a lone CR.
	if l.p < len(l.b) && l.b[l.p] == '\r' {
		l.p++
	}
	if l.p < len(l.b) && l.b[l.p] == '\n' {
		l.p++
	}
	s := &pdfStream{dict: dict, data: off + int64(l.p)}
	s.length = d.streamLength(s)
	return v, s, nil
}

// streamLength trusts /Length (direct or a reference) when "endstream"
// follows it, else looks for the keyword; a stream cut by the end of the
// file runs to its end.
func (d *pdfDoc) streamLength(s *pdfStream) int64 {
	length := s.dict["Length"]
	if _, ref := length.(pdfRef); ref {
		// A /Length that refers to a stream (itself, or one whose own
		// /Length refers back) would recurse without end: a reference met
		// while one is followed is not trusted, the keyword is looked for.
		if d.inLength {
			length = nil
		} else {
			d.inLength = true
			length = d.resolve(length)
			d.inLength = false
		}
	}
	if n, ok := pdfInt(length); ok && n >= 0 && n <= d.size-s.data {
		if b, _ := readAtMost(d.r, s.data+n, 32); endstreamAt(b) {
			return n
		}
	}
	buf := make([]byte, min(1<<20, d.size-s.data))
	for pos := s.data; pos < d.size; {
		k, err := d.r.ReadAt(buf[:min(int64(len(buf)), d.size-pos)], pos)
		if k == 0 && err != nil {
			break
		}
		if i := bytes.Index(buf[:k], []byte("endstream")); i >= 0 {
			end := pos + int64(i)
			// The end-of-line before the keyword is not data.
			if tail, _ := readAtMost(d.r, max(end-2, s.data), end-max(end-2, s.data)); len(tail) > 0 {
				switch {
				case bytes.HasSuffix(tail, []byte("\r\n")):
					end -= 2
				case tail[len(tail)-1] == '\n' || tail[len(tail)-1] == '\r':
					end--
				}
			}
			return end - s.data
		}
		if pos+int64(k) >= d.size || err != nil {
			break
		}
		pos += max(int64(k)-8, 1) // "endstream" cut by the block edge is seen again
	}
	return d.size - s.data
}

func endstreamAt(b []byte) bool {
	b = bytes.TrimLeft(b, "\x00\t\n\f\r ")
	return bytes.HasPrefix(b, []byte("endstream"))
}

// resolve follows references; a value that is not one is returned as is.
// A stream resolves to its *pdfStream.
func (d *pdfDoc) resolve(v any) any {
	for range 8 {
		ref, ok := v.(pdfRef)
		if !ok {
			return v
		}
		// Each reference costs a parse: bound them, so a hostile file of
		// references to references costs little.
		if d.resolved++; d.resolved > 1_000_000 {
			return nil
		}
		v = d.object(ref.num)
	}
	return nil
}

// object returns object num: read at its offset, or from an object stream.
func (d *pdfDoc) object(num int64) any {
	if off, ok := d.offsets[num]; ok {
		v, s, err := d.readObject(off)
		if err == nil {
			if s != nil {
				if st, ok := d.byData[s.data]; ok {
					return st
				}
				return s
			}
			return v
		}
	}
	if d.objStm == nil {
		d.loadObjectStreams()
	}
	return d.objStm[num]
}

// loadObjectStreams reads the objects of every /Type /ObjStm stream.
func (d *pdfDoc) loadObjectStreams() {
	d.objStm = map[int64]any{}
	left := int64(4 * pdfObjStmMax) // decoded bytes of all object streams
	for _, s := range d.streams {
		if t, _ := s.dict["Type"].(pdfName); t != "ObjStm" || left <= 0 {
			continue
		}
		data, err := d.decodeStream(s, min(pdfObjStmMax, left))
		left -= int64(len(data))
		if err != nil {
			continue
		}
		n, _ := pdfInt(s.dict["N"])
		first, _ := pdfInt(s.dict["First"])
		if n <= 0 || first <= 0 || first > int64(len(data)) {
			continue
		}
		l := &pdfLexer{b: data[:first]}
		for range min(n, 1<<20) {
			nv, err1 := l.value(0)
			ov, err2 := l.value(0)
			num, ok1 := pdfInt(nv)
			rel, ok2 := pdfInt(ov)
			if err1 != nil || err2 != nil || !ok1 || !ok2 || rel < 0 || first+rel >= int64(len(data)) {
				break
			}
			vl := &pdfLexer{b: data[first+rel:]}
			if v, err := vl.value(0); err == nil {
				d.objStm[num] = v
			}
		}
	}
}

// streamBytes reads a stream's data as stored, up to limit bytes.
func (d *pdfDoc) streamBytes(s *pdfStream, limit int64) ([]byte, error) {
	if s.length > limit {
		return nil, &LimitError{Name: "bytes", Detail: fmt.Sprintf("PDF stream of object %d holds %d bytes, over the %d-byte limit", s.num, s.length, limit)}
	}
	b, err := readAtMost(d.r, s.data, s.length)
	if err != nil {
		return nil, fmt.Errorf("read stream of object %d: %w", s.num, err)
	}
	if d.crypt != nil {
		t, _ := s.dict["Type"].(pdfName)
		if t != "XRef" && !(t == "Metadata" && d.crypt.plainM) {
			if b, err = d.crypt.decrypt(s.num, s.gen, b); err != nil {
				return nil, fmt.Errorf("decrypt stream of object %d: %w", s.num, err)
			}
		}
	}
	return b, nil
}

// decryptString decrypts a string held by object owner; strings inside
// object streams were encrypted with their stream, not on their own.
func (d *pdfDoc) decryptString(owner pdfRef, b pdfString) pdfString {
	if d.crypt == nil {
		return b
	}
	if _, direct := d.offsets[owner.num]; !direct {
		return b
	}
	out, err := d.crypt.decrypt(owner.num, owner.gen, b)
	if err != nil {
		return b
	}
	return out
}

// decodeStream reads a stream and undoes all its filters, up to limit
// decoded bytes.
func (d *pdfDoc) decodeStream(s *pdfStream, limit int64) ([]byte, error) {
	b, err := d.streamBytes(s, limit)
	if err != nil {
		return nil, err
	}
	filters, params := d.filters(s.dict)
	for i, f := range filters {
		if b, err = pdfDecode(f, params[i], b, limit); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// filters returns a stream's filter names and their parameters.
func (d *pdfDoc) filters(dict pdfDict) ([]pdfName, []pdfDict) {
	fs := pdfList(d.resolve(dict["Filter"]))
	ps := pdfList(d.resolve(dict["DecodeParms"]))
	if ps == nil {
		ps = pdfList(d.resolve(dict["DP"]))
	}
	names := make([]pdfName, len(fs))
	params := make([]pdfDict, len(fs))
	for i, f := range fs {
		n, _ := d.resolve(f).(pdfName)
		names[i] = pdfFilterName(n)
		if i < len(ps) {
			params[i], _ = d.resolve(ps[i]).(pdfDict)
		}
	}
	return names, params
}

// encryption reads the trailer's /Encrypt: nil when the PDF is not
// encrypted or its streams are not, else the key of the empty user
// password, or an error saying why the streams cannot be read.
func (d *pdfDoc) encryption() error {
	for _, t := range d.trailers {
		ev, ok := t["Encrypt"]
		if !ok {
			continue
		}
		enc, ok := d.resolve(ev).(pdfDict)
		if !ok {
			return fmt.Errorf("%w: its /Encrypt dictionary is unreadable", ErrPDFEncrypted)
		}
		var id []byte
		for _, t := range d.trailers {
			if ids, ok := d.resolve(t["ID"]).(pdfArray); ok && len(ids) > 0 {
				id, _ = d.resolve(ids[0]).(pdfString)
			}
		}
		c, err := d.newPDFCrypt(enc, id)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPDFEncrypted, err)
		}
		d.crypt = c
		return nil
	}
	return nil
}

// catalog is the document catalog: the /Root of the last trailer that has
// one that resolves (an incremental update's trailer comes last); nil if none.
func (d *pdfDoc) catalog() pdfDict {
	var root pdfDict
	for _, t := range d.trailers {
		if r, ok := d.resolve(t["Root"]).(pdfDict); ok {
			root = r
		}
	}
	return root
}

// pagesOf maps the object number of every image or form XObject to the
// first page that uses it (pages numbered from 1), following the page tree
// from the last trailer's /Root. Whatever the tree's damage, it returns
// what it could follow.
func (d *pdfDoc) pagesOf() map[int64]int {
	out := map[int64]int{}
	root := d.catalog()
	if root == nil {
		return out
	}
	seen := map[pdfRef]bool{}
	page := 0
	var xobjects func(res any, pg, depth int)
	xobjects = func(res any, pg, depth int) {
		rd, _ := d.resolve(res).(pdfDict)
		xd, _ := d.resolve(rd["XObject"]).(pdfDict)
		for _, v := range xd {
			ref, ok := v.(pdfRef)
			if !ok || seen[ref] || len(seen) > 1_000_000 {
				continue
			}
			seen[ref] = true
			if _, ok := out[ref.num]; !ok {
				out[ref.num] = pg
			}
			if s, ok := d.resolve(ref).(*pdfStream); ok && depth < 16 {
				if sub, _ := s.dict["Subtype"].(pdfName); sub == "Form" {
					xobjects(s.dict["Resources"], pg, depth+1)
				}
			}
		}
	}
	var walk func(node any, inherited any, depth int)
	walk = func(node any, inherited any, depth int) {
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
		if r, ok := n["Resources"]; ok {
			inherited = r
		}
		if kids, ok := d.resolve(n["Kids"]).(pdfArray); ok {
			for _, k := range kids {
				walk(k, inherited, depth+1)
			}
			return
		}
		page++
		xobjects(inherited, page, 0)
	}
	walk(root["Pages"], nil, 0)
	return out
}
