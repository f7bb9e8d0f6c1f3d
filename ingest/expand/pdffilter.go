package expand

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// PDF stream filters (ISO 32000-1, 7.4) that decode to bytes. DCTDecode
// and JPXDecode hold pictures as stored and are not undone here; CCITTFax
// and JBIG2 are listed as not supported.

// pdfFilterName expands the abbreviations inline images and some writers
// use.
func pdfFilterName(n pdfName) pdfName {
	switch n {
	case "AHx":
		return "ASCIIHexDecode"
	case "A85":
		return "ASCII85Decode"
	case "LZW":
		return "LZWDecode"
	case "Fl":
		return "FlateDecode"
	case "RL":
		return "RunLengthDecode"
	case "CCF":
		return "CCITTFaxDecode"
	case "DCT":
		return "DCTDecode"
	}
	return n
}

// pdfDecodable tells whether pdfDecode undoes filter f.
func pdfDecodable(f pdfName) bool {
	switch f {
	case "FlateDecode", "LZWDecode", "ASCIIHexDecode", "ASCII85Decode", "RunLengthDecode":
		return true
	}
	return false
}

// errPDFTooLarge says a decoded stream ran past the bytes it may take.
type errPDFTooLarge struct{ limit int64 }

func (e errPDFTooLarge) Error() string {
	return fmt.Sprintf("decoded stream larger than %d bytes", e.limit)
}

// pdfDecode undoes one filter, producing at most limit bytes.
func pdfDecode(f pdfName, params pdfDict, b []byte, limit int64) ([]byte, error) {
	var out []byte
	var err error
	switch f {
	case "FlateDecode":
		out, err = inflatePDF(b, limit)
	case "LZWDecode":
		early := int64(1)
		if v, ok := pdfInt(params["EarlyChange"]); ok {
			early = v
		}
		out, err = lzwDecodePDF(b, early != 0, limit)
	case "ASCIIHexDecode":
		out, err = asciiHexDecode(b)
	case "ASCII85Decode":
		out, err = ascii85Decode(b)
	case "RunLengthDecode":
		out, err = runLengthDecode(b, limit)
	default:
		return nil, fmt.Errorf("PDF filter %s not supported", f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	if int64(len(out)) > limit {
		return nil, errPDFTooLarge{limit}
	}
	if f == "FlateDecode" || f == "LZWDecode" {
		return unpredict(params, out)
	}
	return out, nil
}

// inflatePDF inflates a zlib stream. Writers often end streams without the
// Adler-32 checksum or cut them short: what inflated is kept, as viewers
// do, and the caller checks it is enough. Raw deflate without the zlib
// header is read too.
func inflatePDF(b []byte, limit int64) ([]byte, error) {
	var r io.Reader
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		r = flate.NewReader(bytes.NewReader(b))
	} else {
		r = zr
	}
	// Sized for a typical ratio up front: growing from nothing costs more
	// than the inflating on text content streams.
	buf := bytes.NewBuffer(make([]byte, 0, min(limit+1, max(4096, 8*int64(len(b))))))
	_, err = buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil && buf.Len() == 0 {
		return nil, err
	}
	return buf.Bytes(), nil
}

// lzwDecodePDF decodes PDF's LZW: codes of 9 to 12 bits, most significant
// bit first, 256 clears the table, 257 ends the data; with EarlyChange the
// code grows one code early, as in TIFF. (compress/lzw knows only the late
// change.)
func lzwDecodePDF(b []byte, early bool, limit int64) ([]byte, error) {
	const clear, eod = 256, 257
	var (
		prefix [4096]int
		suffix [4096]byte
		out    []byte
		stack  []byte
	)
	next, width, prev := 258, 9, -1
	var acc uint32
	var nbits int
	early1 := 0
	if early {
		early1 = 1
	}
	for i := 0; ; {
		for nbits < width && i < len(b) {
			acc = acc<<8 | uint32(b[i])
			nbits += 8
			i++
		}
		if nbits < width {
			return out, nil // the data ended without EOD: keep what it held
		}
		code := int(acc>>(nbits-width)) & (1<<width - 1)
		nbits -= width
		switch {
		case code == clear:
			next, width, prev = 258, 9, -1
			continue
		case code == eod:
			return out, nil
		case prev < 0:
			if code > 255 {
				return nil, fmt.Errorf("LZW code %d before any string", code)
			}
			out = append(out, byte(code))
			prev = code
			continue
		case code > next || code >= 4096:
			return nil, fmt.Errorf("LZW code %d past the table (%d)", code, next)
		}
		// The string of code, written backwards onto stack.
		c := code
		if code == next {
			c = prev
		}
		stack = stack[:0]
		for c > 257 {
			stack = append(stack, suffix[c])
			c = prefix[c]
		}
		stack = append(stack, byte(c))
		head := stack[len(stack)-1]
		for j := len(stack) - 1; j >= 0; j-- {
			out = append(out, stack[j])
		}
		if code == next {
			out = append(out, head)
		}
		if int64(len(out)) > limit {
			return nil, errPDFTooLarge{limit}
		}
		if next < 4096 {
			prefix[next], suffix[next] = prev, head
			next++
		}
		if next+early1 >= 1<<width && width < 12 {
			width++
		}
		prev = code
	}
}

func asciiHexDecode(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b)/2)
	hi := -1
	for _, c := range b {
		if c == '>' {
			break
		}
		if pdfSpace(c) {
			continue
		}
		v := hexValue(c)
		if v < 0 {
			return nil, fmt.Errorf("%q is not a hex digit", c)
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		out = append(out, byte(hi<<4))
	}
	return out, nil
}

func ascii85Decode(b []byte) ([]byte, error) {
	if bytes.HasPrefix(b, []byte("<~")) {
		b = b[2:]
	}
	out := make([]byte, 0, len(b)*4/5)
	var group [5]byte
	n := 0
	for _, c := range b {
		switch {
		case c == '~':
			goto end
		case pdfSpace(c):
			continue
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
			continue
		case c < '!' || c > 'u':
			return nil, fmt.Errorf("%q is not an ASCII85 digit", c)
		}
		group[n] = c - '!'
		if n++; n == 5 {
			out = appendBase85(out, group, 4)
			n = 0
		}
	}
end:
	if n == 1 {
		return nil, errors.New("ASCII85 data ends with a single digit")
	}
	if n > 1 {
		for i := n; i < 5; i++ {
			group[i] = 'u' - '!'
		}
		out = appendBase85(out, group, n-1)
	}
	return out, nil
}

func appendBase85(out []byte, g [5]byte, keep int) []byte {
	var v uint64
	for _, d := range g {
		v = v*85 + uint64(d)
	}
	w := uint32(v) // a group over 2^32 is invalid: its low bits are kept, as tools do
	return append(out, []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w)}[:keep]...)
}

func runLengthDecode(b []byte, limit int64) ([]byte, error) {
	var out []byte
	for i := 0; i < len(b); {
		n := int(b[i])
		i++
		switch {
		case n == 128:
			return out, nil
		case n < 128:
			end := min(i+n+1, len(b))
			out = append(out, b[i:end]...)
			i = end
		default:
			if i >= len(b) {
				return out, nil
			}
			for range 257 - n {
				out = append(out, b[i])
			}
			i++
		}
		if int64(len(out)) > limit {
			return nil, errPDFTooLarge{limit}
		}
	}
	return out, nil
}

// unpredict undoes the PNG (10–15) and TIFF (2) predictors of Flate and
// LZW data.
func unpredict(p pdfDict, b []byte) ([]byte, error) {
	pred, _ := pdfInt(p["Predictor"])
	if pred <= 1 {
		return b, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := pdfInt(p["Colors"]); ok {
		colors = v
	}
	if v, ok := pdfInt(p["BitsPerComponent"]); ok {
		bpc = v
	}
	if v, ok := pdfInt(p["Columns"]); ok {
		columns = v
	}
	if colors < 1 || colors > 32 || columns < 1 || columns > 1<<24 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) {
		return nil, fmt.Errorf("predictor parameters Colors %d, BitsPerComponent %d, Columns %d out of range", colors, bpc, columns)
	}
	bpp := int(max(colors*bpc/8, 1))
	row := int((columns*colors*bpc + 7) / 8)
	switch {
	case pred == 2:
		return tiffUnpredict(b, row, int(colors), int(bpc))
	case pred >= 10 && pred <= 15:
		return pngUnpredict(b, row, bpp)
	}
	return nil, fmt.Errorf("predictor %d not supported", pred)
}

func pngUnpredict(b []byte, row, bpp int) ([]byte, error) {
	rows := (len(b) + row) / (row + 1) // a short last row is padded, as viewers do
	out := make([]byte, rows*row)
	prev := make([]byte, row)
	for y := range rows {
		ft := b[0]
		cur := b[1:min(len(b), row+1)]
		b = b[min(len(b), row+1):]
		if len(cur) < row {
			cur = append(append([]byte(nil), cur...), make([]byte, row-len(cur))...)
		}
		line := out[y*row : (y+1)*row]
		switch ft {
		case 0:
			copy(line, cur)
		case 1:
			for i := range row {
				var a byte
				if i >= bpp {
					a = line[i-bpp]
				}
				line[i] = cur[i] + a
			}
		case 2:
			for i := range row {
				line[i] = cur[i] + prev[i]
			}
		case 3:
			for i := range row {
				var a int
				if i >= bpp {
					a = int(line[i-bpp])
				}
				line[i] = cur[i] + byte((a+int(prev[i]))/2)
			}
		case 4:
			for i := range row {
				var a, c int
				if i >= bpp {
					a, c = int(line[i-bpp]), int(prev[i-bpp])
				}
				line[i] = cur[i] + paeth(a, int(prev[i]), c)
			}
		default:
			return nil, fmt.Errorf("PNG predictor row filter %d unknown", ft)
		}
		prev = line
	}
	return out, nil
}

func paeth(a, b, c int) byte {
	p := a + b - c
	pa, pb, pc := abs(p-a), abs(p-b), abs(p-c)
	switch {
	case pa <= pb && pa <= pc:
		return byte(a)
	case pb <= pc:
		return byte(b)
	}
	return byte(c)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// tiffUnpredict undoes TIFF predictor 2 (each sample the difference to the
// same component of the pixel before), for 8 and 16 bits per component.
func tiffUnpredict(b []byte, row, colors, bpc int) ([]byte, error) {
	if bpc != 8 && bpc != 16 {
		return nil, fmt.Errorf("TIFF predictor with %d bits per component not supported", bpc)
	}
	out := append([]byte(nil), b...)
	step := colors * bpc / 8
	for r := 0; r+row <= len(out); r += row {
		line := out[r : r+row]
		if bpc == 8 {
			for i := step; i < row; i++ {
				line[i] += line[i-step]
			}
			continue
		}
		for i := step; i+1 < row; i += 2 {
			v := uint16(line[i])<<8 | uint16(line[i+1])
			p := uint16(line[i-step])<<8 | uint16(line[i-step+1])
			v += p
			line[i], line[i+1] = byte(v>>8), byte(v)
		}
	}
	return out, nil
}
