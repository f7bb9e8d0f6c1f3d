package hashset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// A VICS export is millions of small Media objects. encoding/json has
// already checked each one's syntax when UnmarshalJSON gets it, so the
// fields are picked out here in one plain pass over the bytes instead of
// by reflection: the difference between 100 k and 300 k+ records/s.

// UnmarshalJSON fills the Media's fields from one JSON object. Anything
// else is a type error, which ReadVICS counts as a bad record.
func (m *rawMedia) UnmarshalJSON(data []byte) error {
	data = append([]byte(nil), data...) // the decoder reuses its buffer
	if !m.fill(data) {
		return &json.UnmarshalTypeError{Value: "non-object", Type: reflect.TypeOf(m)}
	}
	return nil
}

// fill sets the Media's fields from one JSON object (false for anything
// else); they point into data, so it must outlive the Media.
func (m *rawMedia) fill(data []byte) bool {
	return eachMember(data, func(key, val []byte) {
		var lower [24]byte
		if k, fits := lowerKey(key, lower[:]); fits {
			m.setLower(k, val)
		}
	})
}

// lowerKey lower-cases an object key into buf; fits is false for keys too
// long to be a field Scrim reads. Keys with escapes are unescaped first.
func lowerKey(key, buf []byte) (k []byte, fits bool) {
	for _, c := range key {
		if c == '\\' {
			var s string
			if json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &s) != nil {
				return nil, false
			}
			key = []byte(s)
			break
		}
	}
	if len(key) > len(buf) {
		return nil, false
	}
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(key)], true
}

// setLower is set for a lower-case key.
func (m *rawMedia) setLower(k []byte, raw json.RawMessage) {
	switch string(k) {
	case "mediaid":
		m.MediaID = raw
	case "category":
		m.Category = raw
	case "md5":
		m.MD5 = raw
	case "sha1":
		m.SHA1 = raw
	case "sha256":
		m.SHA256 = raw
	case "photodna":
		m.PhotoDNA = raw
	case "mediasize":
		m.MediaSize = raw
	case "series":
		m.Series = raw
	case "comments":
		m.Comments = raw
	case "tags":
		m.Tags = raw
	case "relativefilepath":
		m.RelativeFilePath = raw
	case "victimidentified":
		m.VictimIdentified = raw
	case "offenderidentified":
		m.OffenderIdentified = raw
	case "isdistributed":
		m.IsDistributed = raw
	case "isprecategorized":
		m.IsPrecategorized = raw
	case "alternativehashes":
		m.AlternativeHashes = raw
	case "mediafiles":
		m.MediaFiles = raw
	case "media":
		m.Media = raw
	}
}

// mediaFiles reads a Media's MediaFiles array; another shape gives none.
func mediaFiles(raw []byte) []rawFile {
	var files []rawFile
	eachElement(raw, func(el []byte) {
		var f rawFile
		if eachMember(el, func(key, val []byte) {
			var lower [16]byte
			k, fits := lowerKey(key, lower[:])
			if !fits {
				return
			}
			switch string(k) {
			case "filename":
				f.FileName = val
			case "filepath":
				f.FilePath = val
			case "md5":
				f.MD5 = val
			case "sha1":
				f.SHA1 = val
			case "sha256":
				f.SHA256 = val
			}
		}) {
			files = append(files, f)
		}
	})
	return files
}

// eachMember calls fn for each member of the JSON object b (keys raw,
// without quotes). It reports false when b is not an object; b is trusted
// to be valid JSON, but no input makes it read out of bounds.
func eachMember(b []byte, fn func(key, val []byte)) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		end := stringEnd(b, i)
		if end < 0 {
			return false
		}
		key := b[i+1 : end-1]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		vend := valueEnd(b, i)
		if vend < 0 {
			return false
		}
		fn(key, b[i:vend])
		i = skipWS(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case '}':
			return true
		case ',':
			i = skipWS(b, i+1)
		default:
			return false
		}
	}
	return false
}

// eachElement calls fn for each element of the JSON array b.
func eachElement(b []byte, fn func(el []byte)) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return true
	}
	for i < len(b) {
		end := valueEnd(b, i)
		if end < 0 {
			return false
		}
		fn(b[i:end])
		i = skipWS(b, end)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ']':
			return true
		case ',':
			i = skipWS(b, i+1)
		default:
			return false
		}
	}
	return false
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] == '"', or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the value starting at b[i], or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// maxElement bounds one element of a Media set read by scanMediaValues.
const maxElement = 64 << 20

// scanMediaValues reads a "value" array of Media after its '[' without the
// decoder: each element's end is found by a plain byte scan, its syntax
// checked once by validJSON, its fields split by eachMember (the
// decoder would scan each element twice). The decoder takes over again
// after the closing ']', for the rest of the document.
func (v *vicsReader) scanMediaValues() error {
	s := elemScanner{r: io.MultiReader(v.dec.Buffered(), v.br)}
	var stack []byte // validJSON's, reused
	first := true
	for {
		c, err := s.peek()
		if err != nil {
			return v.syntax(io.ErrUnexpectedEOF)
		}
		if c == ']' && first {
			s.i++
			break
		}
		if !first {
			switch c {
			case ']':
				s.i++
				return v.resume(&s)
			case ',':
				s.i++
				if _, err := s.peek(); err != nil {
					return v.syntax(io.ErrUnexpectedEOF)
				}
			default:
				return fmt.Errorf("vics: after record %d: invalid character %q after an element of \"value\"", v.sum.Records, c)
			}
		}
		first = false
		el, err := s.element()
		if err != nil {
			return fmt.Errorf("vics: after record %d: %w", v.sum.Records, err)
		}
		if !validJSON(el, &stack) {
			return fmt.Errorf("vics: after record %d: the next element of \"value\" is not valid JSON", v.sum.Records)
		}
		var m rawMedia   // used up before the scanner's buffer moves on
		if !m.fill(el) { // not an object
			v.sum.Records++
			v.sum.bad(int(v.sum.Records))
			continue
		}
		if err := v.mediaOrCase(&m); err != nil {
			return err
		}
	}
	return v.resume(&s)
}

// mediaOrCase hands on one element of a Media set, or the Media of an
// element that is a case after all.
func (v *vicsReader) mediaOrCase(m *rawMedia) error {
	if m.Media == nil || !eachElement(m.Media, func([]byte) {}) {
		v.sum.Records++
		return v.media(m)
	}
	var err error
	eachElement(m.Media, func(el []byte) {
		if err != nil {
			return
		}
		var mm rawMedia
		v.sum.Records++
		if !mm.fill(el) {
			v.sum.bad(int(v.sum.Records))
			return
		}
		err = v.media(&mm)
	})
	return err
}

// resume gives the rest of the document, after the "value" array, to a
// new decoder positioned as if inside the top-level object.
func (v *vicsReader) resume(s *elemScanner) error {
	rest := io.MultiReader(bytes.NewReader(s.buf[s.i:]), s.r)
	v.dec = json.NewDecoder(io.MultiReader(strings.NewReader(`{"":0`), rest))
	v.dec.UseNumber()
	for range 3 { // '{', "", 0
		if _, err := v.dec.Token(); err != nil {
			return v.syntax(err)
		}
	}
	return nil
}

// elemScanner buffers a stream for scanMediaValues.
type elemScanner struct {
	r   io.Reader
	buf []byte
	i   int
	eof bool
}

// fill reads more; false at the end of the stream.
func (s *elemScanner) fill() bool {
	if s.eof {
		return false
	}
	if s.i > 0 && s.i >= len(s.buf)/2 {
		s.buf = append(s.buf[:0], s.buf[s.i:]...)
		s.i = 0
	}
	if cap(s.buf)-len(s.buf) < 256<<10 {
		s.buf = append(make([]byte, 0, 2*cap(s.buf)+512<<10), s.buf...)
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err != nil {
		s.eof = true
	}
	return n > 0 || !s.eof
}

// peek skips blanks and returns the next byte.
func (s *elemScanner) peek() (byte, error) {
	for {
		s.i = skipWS(s.buf, s.i)
		if s.i < len(s.buf) {
			return s.buf[s.i], nil
		}
		if !s.fill() {
			return 0, io.ErrUnexpectedEOF
		}
	}
}

// element returns the next value; valid until the next call.
func (s *elemScanner) element() ([]byte, error) {
	for {
		end := valueEnd(s.buf, s.i)
		// A literal or value ending at the buffer's end may go on.
		if end > 0 && (end < len(s.buf) || s.eof) {
			el := s.buf[s.i:end]
			s.i = end
			return el, nil
		}
		if s.eof {
			return nil, fmt.Errorf("file ends inside the JSON (truncated?)")
		}
		if len(s.buf)-s.i > maxElement {
			return nil, fmt.Errorf("an element of \"value\" is larger than %d bytes", maxElement)
		}
		s.fill()
	}
}
