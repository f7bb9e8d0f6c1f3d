package hashset

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxLine caps one text line: hash-set lines are short, and a longer one is
// garbage (or a binary file) that must not grow memory.
const maxLine = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// lineReader yields lines without their end-of-line, BOM-free, with 1-based
// numbers. Lines over maxLine are reported as tooLong with no content.
type lineReader struct {
	br   *bufio.Reader
	line int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, maxLine)}
}

// next returns the next line; the slice is valid until the next call.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	b, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = l.br.ReadSlice('\n')
		}
		l.line++
		if err == io.EOF {
			err = nil // the long line was the last one; EOF comes next call
		}
		return nil, true, err
	}
	if len(b) == 0 && err != nil {
		return nil, false, err
	}
	l.line++
	if err == io.EOF {
		err = nil
	}
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	if l.line == 1 {
		b = bytes.TrimPrefix(b, utf8BOM)
	}
	return b, false, err
}

// splitFields splits one CSV line on sep, honouring double quotes within the
// line ("" inside quotes is a literal quote). Fields reuse line's memory
// except when a doubled quote forces a copy.
func splitFields(line []byte, sep byte, dst [][]byte) [][]byte {
	dst = dst[:0]
	for {
		if len(line) > 0 && line[0] == '"' {
			field, rest, ok := quotedField(line[1:], sep)
			if ok {
				dst = append(dst, field)
				if rest == nil {
					return dst
				}
				line = rest
				continue
			}
			// Unbalanced quote: take the rest of the line literally.
		}
		i := bytes.IndexByte(line, sep)
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// quotedField parses after an opening quote. rest is nil at end of line, or
// the text after the separator that ends the field.
func quotedField(s []byte, sep byte) (field, rest []byte, ok bool) {
	var copied []byte
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		if i+1 < len(s) && s[i+1] == '"' {
			copied = append(copied, s[start:i+1]...)
			i++
			start = i + 1
			continue
		}
		if copied != nil {
			field = append(copied, s[start:i]...)
		} else {
			field = s[start:i]
		}
		after := s[i+1:]
		if j := bytes.IndexByte(after, sep); j >= 0 {
			// Junk between the closing quote and the separator is dropped.
			return field, after[j+1:], true
		}
		return field, nil, true
	}
	return nil, nil, false
}

// isBinary reports bytes no text hash list contains.
func isBinary(head []byte) bool {
	return bytes.IndexByte(head, 0) >= 0
}

// sniffMagic names well-known binary formats so a wrong-file error can say
// what the file looks like.
func sniffMagic(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "a PNG image"
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "a JPEG image"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a ZIP archive"
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return "an SQLite database"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "UTF-16 text (save it as UTF-8 to import it)"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "a PDF document"
	case isBinary(head):
		return "binary data"
	}
	return ""
}
