package export

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// appendJSON writes the row as encoding/json would (same field order, same
// escaping, HTML characters escaped like json.Encoder's default), without
// reflection: `scrim files` writes millions of rows and reflection was most
// of its time. TestFileRowJSONMatchesEncodingJSON holds the two equal for
// every field, so a field added to FileRow and not here fails the test.
func (r *FileRow) appendJSON(b []byte) []byte {
	b = append(b, `{"evidence":`...)
	b = appendJSONString(b, r.Evidence)
	b = append(b, `,"volume":`...)
	b = appendJSONString(b, r.Volume)
	b = append(b, `,"fs":`...)
	b = appendJSONString(b, r.FS)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, r.Path)
	b = append(b, `,"deleted":`...)
	b = strconv.AppendBool(b, r.Deleted)
	b = append(b, `,"carved":`...)
	b = strconv.AppendBool(b, r.Carved)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, r.Offset, 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, r.Size, 10)
	b = append(b, `,"md5":`...)
	b = appendJSONString(b, r.MD5)
	b = append(b, `,"sha1":`...)
	b = appendJSONString(b, r.SHA1)
	b = append(b, `,"sha256":`...)
	b = appendJSONString(b, r.SHA256)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, r.Type)
	b = append(b, `,"width":`...)
	b = strconv.AppendInt(b, int64(r.Width), 10)
	b = append(b, `,"height":`...)
	b = strconv.AppendInt(b, int64(r.Height), 10)
	b = append(b, `,"phash":`...)
	b = appendJSONString(b, r.PHash)
	b = append(b, `,"dhash":`...)
	b = appendJSONString(b, r.DHash)
	b = append(b, `,"category":`...)
	b = appendJSONString(b, r.Category)
	b = append(b, `,"category_source":`...)
	b = appendJSONString(b, r.CategorySource)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, r.Kind)
	b = append(b, `,"mime":`...)
	b = appendJSONString(b, r.MIME)
	b = append(b, `,"inode":`...)
	b = strconv.AppendUint(b, r.Inode, 10)
	b = append(b, `,"mtime":`...)
	b = appendJSONString(b, r.Mtime)
	b = append(b, `,"atime":`...)
	b = appendJSONString(b, r.Atime)
	b = append(b, `,"ctime":`...)
	b = appendJSONString(b, r.Ctime)
	b = append(b, `,"btime":`...)
	b = appendJSONString(b, r.Btime)
	b = append(b, `,"error":`...)
	b = appendJSONString(b, r.Error)
	b = append(b, `,"volume_offset":`...)
	b = strconv.AppendInt(b, r.VolumeOffset, 10)
	b = append(b, `,"volume_type":`...)
	b = appendJSONString(b, r.VolumeType)
	b = append(b, `,"duration":`...)
	b = appendJSONFloat(b, r.Duration)
	b = append(b, `,"codec":`...)
	b = appendJSONString(b, r.Codec)
	b = append(b, `,"frames":`...)
	b = strconv.AppendInt(b, int64(r.Frames), 10)
	b = append(b, `,"embedded":`...)
	b = strconv.AppendBool(b, r.Embedded)
	b = append(b, `,"parent":`...)
	b = appendJSONString(b, r.Parent)
	b = append(b, `,"container_path":`...)
	b = appendJSONString(b, r.ContainerPath)
	b = append(b, `,"device_path":`...)
	b = appendJSONString(b, r.DevicePath)
	b = r.appendSignalsJSON(b)
	return append(b, "}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s like encoding/json with HTML escaping: control
// characters, quote and backslash escaped, <, > and & as \u003c..., invalid
// UTF-8 as \ufffd, U+2028 and U+2029 escaped.
// jsonPlain marks the ASCII bytes encoding/json writes as they are.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Paths and digests are plain nearly throughout: eight bytes are
		// checked at once (a tenth of a listing's CPU went byte by byte).
		if i+8 <= len(s) && plain8(load8(s, i)) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// load8 is the eight bytes of s from i, the first lowest.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plain8 reports whether all eight bytes of x are ones jsonPlain marks:
// ASCII, not a control character, none of " \ < > &. A false answer may
// be wrong (a borrow past a matching byte): the caller then checks the
// bytes one by one.
func plain8(x uint64) bool {
	hasZero := func(y uint64) uint64 { return (y - lows) &^ y & highs }
	special := x&highs | // not ASCII
		(x-0x20*lows)&^x&highs | // below 0x20
		hasZero(x^('"'*lows)) | hasZero(x^('\\'*lows)) |
		hasZero(x^('<'*lows)) | hasZero(x^('>'*lows)) | hasZero(x^('&'*lows))
	return special == 0
}

// appendJSONFloat formats like encoding/json's float64 encoder (ES6 number
// formatting). NaN and infinities cannot be JSON: written as 0, which no
// measured duration is.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
