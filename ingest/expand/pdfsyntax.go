package expand

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// PDF object syntax (ISO 32000-1, 7.3): the values a dictionary holds.
// Numbers are int64 or float64, booleans bool, null nil.
type (
	pdfName   string
	pdfString []byte
	pdfArray  []any
	pdfDict   map[pdfName]any
	pdfRef    struct{ num, gen int64 }
)

// pdfMaxNesting bounds arrays and dictionaries inside each other, so
// "[[[[…" cannot exhaust the stack.
const pdfMaxNesting = 64

var errPDFShort = errors.New("object runs past the bytes read")

// pdfLexer parses values from b, starting at p.
type pdfLexer struct {
	b []byte
	p int
}

func pdfSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func pdfDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func pdfRegular(c byte) bool { return !pdfSpace(c) && !pdfDelim(c) }

// skip passes white space and comments.
func (l *pdfLexer) skip() {
	for l.p < len(l.b) {
		c := l.b[l.p]
		switch {
		case pdfSpace(c):
			l.p++
		case c == '%':
			for l.p < len(l.b) && l.b[l.p] != '\n' && l.b[l.p] != '\r' {
				l.p++
			}
		default:
			return
		}
	}
}

// keyword reads a run of regular characters ("obj", "stream", "R").
func (l *pdfLexer) keyword() string {
	l.skip()
	s := l.p
	for l.p < len(l.b) && pdfRegular(l.b[l.p]) {
		l.p++
	}
	return string(l.b[s:l.p])
}

// value parses one value.
func (l *pdfLexer) value(depth int) (any, error) {
	if depth > pdfMaxNesting {
		return nil, fmt.Errorf("values nested deeper than %d at byte %d", pdfMaxNesting, l.p)
	}
	l.skip()
	if l.p >= len(l.b) {
		return nil, errPDFShort
	}
	switch c := l.b[l.p]; {
	case c == '/':
		return l.name(), nil
	case c == '<' && l.p+1 < len(l.b) && l.b[l.p+1] == '<':
		l.p += 2
		d := pdfDict{}
		for {
			l.skip()
			if l.p+1 >= len(l.b) {
				return nil, errPDFShort
			}
			if l.b[l.p] == '>' && l.b[l.p+1] == '>' {
				l.p += 2
				return d, nil
			}
			if l.b[l.p] != '/' {
				return nil, fmt.Errorf("dictionary key expected at byte %d", l.p)
			}
			k := l.name()
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d[k] = v
		}
	case c == '<':
		return l.hexString()
	case c == '(':
		return l.literalString()
	case c == '[':
		l.p++
		var a pdfArray
		for {
			l.skip()
			if l.p >= len(l.b) {
				return nil, errPDFShort
			}
			if l.b[l.p] == ']' {
				l.p++
				return a, nil
			}
			v, err := l.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9':
		return l.number()
	default:
		start := l.p
		switch k := l.keyword(); k {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		case "":
			return nil, fmt.Errorf("unexpected %q at byte %d", c, start)
		default:
			return nil, fmt.Errorf("unexpected %q at byte %d", k, start)
		}
	}
}

// name reads /Name, with #xx escapes.
func (l *pdfLexer) name() pdfName {
	l.p++ // '/'
	var out []byte
	for l.p < len(l.b) && pdfRegular(l.b[l.p]) {
		c := l.b[l.p]
		if c == '#' && l.p+2 < len(l.b) {
			if v, err := strconv.ParseUint(string(l.b[l.p+1:l.p+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				l.p += 3
				continue
			}
		}
		out = append(out, c)
		l.p++
	}
	return pdfName(out)
}

// number reads an integer, a real, or "N G R", a reference.
func (l *pdfLexer) number() (any, error) {
	start := l.p
	for l.p < len(l.b) && (pdfRegular(l.b[l.p])) {
		l.p++
	}
	s := string(l.b[start:l.p])
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			// Writers emit "--5" or "5-"; tools read such numbers as 0.
			return int64(0), nil
		}
		return f, nil
	}
	if n < 0 {
		return n, nil
	}
	// A reference is "num gen R": look ahead, and go back if it is not one.
	save := l.p
	l.skip()
	gs := l.p
	for l.p < len(l.b) && l.b[l.p] >= '0' && l.b[l.p] <= '9' {
		l.p++
	}
	if l.p > gs && l.p-gs < 10 && (l.p == len(l.b) || !pdfRegular(l.b[l.p])) {
		gen, _ := strconv.ParseInt(string(l.b[gs:l.p]), 10, 64)
		l.skip()
		if l.p < len(l.b) && l.b[l.p] == 'R' && (l.p+1 == len(l.b) || !pdfRegular(l.b[l.p+1])) {
			l.p++
			return pdfRef{n, gen}, nil
		}
	}
	l.p = save
	return n, nil
}

func (l *pdfLexer) hexString() (any, error) {
	l.p++
	var out []byte
	hi := -1
	for ; l.p < len(l.b); l.p++ {
		c := l.b[l.p]
		if c == '>' {
			l.p++
			if hi >= 0 {
				out = append(out, byte(hi<<4))
			}
			return pdfString(out), nil
		}
		v := hexValue(c)
		if v < 0 {
			continue // white space, or junk tools skip
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	return nil, errPDFShort
}

func hexValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (l *pdfLexer) literalString() (any, error) {
	l.p++
	var out []byte
	depth := 1
	for l.p < len(l.b) {
		c := l.b[l.p]
		l.p++
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return pdfString(out), nil
			}
		case '\\':
			if l.p >= len(l.b) {
				return nil, errPDFShort
			}
			e := l.b[l.p]
			l.p++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.p < len(l.b) && l.b[l.p] == '\n' {
					l.p++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.p < len(l.b) && l.b[l.p] >= '0' && l.b[l.p] <= '7'; i++ {
						v = v*8 + int(l.b[l.p]-'0')
						l.p++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, errPDFShort
}

// pdfInt returns v as an integer, if it is a number.
func pdfInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n >= -1<<53 && n <= 1<<53 {
			return int64(n), true
		}
	}
	return 0, false
}

func pdfFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// pdfList returns v as an array; a single value is an array of one.
func pdfList(v any) pdfArray {
	switch a := v.(type) {
	case nil:
		return nil
	case pdfArray:
		return a
	}
	return pdfArray{v}
}

// readAtMost reads up to n bytes of r at off; a short read at the end of r
// is not an error.
func readAtMost(r io.ReaderAt, off, n int64) ([]byte, error) {
	b := make([]byte, n)
	k, err := r.ReadAt(b, off)
	if k == len(b) || err == io.EOF {
		return b[:k], nil
	}
	return b[:k], err
}
