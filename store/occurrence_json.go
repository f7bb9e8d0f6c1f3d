package store

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeOccurrence reads one stored occurrence record: binary from store
// format 4 on (occurrence_binary.go), JSON before. Listing a case
// decodes millions of them, and encoding/json (a syntax pass, then
// reflection per field) was half of `scrim files`' CPU. The JSON records
// were written by encoding/json, so the fast path reads exactly that shape:
// known keys, strings with simple escapes, plain integers, true/false.
// Anything else (a surrogate escape, a null, an unknown or differently-cased
// key, a float, a syntax error) goes to json.Unmarshal, so the result is always what
// json.Unmarshal gives (FuzzOccurrenceJSON checks it).
func decodeOccurrence(data []byte, o *Occurrence) error {
	if len(data) > 0 && data[0] == binaryRecordMark {
		return decodeOccurrenceBinary(data, o) // format 4 on
	}
	var fast Occurrence
	if decodeOccurrenceFast(data, &fast) {
		*o = fast
		return nil
	}
	*o = Occurrence{}
	return json.Unmarshal(data, o)
}

// decodeOccurrenceFast fills o and reports true, or reports false when
// data is not in the shape it reads (o is then partly filled).
func decodeOccurrenceFast(b []byte, o *Occurrence) bool {
	return decodeObjectFast(b, func(whole string, i int, key []byte) (int, bool) {
		return occurrenceField(b, whole, i, key, o)
	})
}

// decodeObjectFast walks the JSON object in b, calling field for each
// value with its key; field returns the index after the value, or false
// for a key or value it does not read. It reports whether the whole of b
// was read that way.
func decodeObjectFast(b []byte, field func(whole string, i int, key []byte) (int, bool)) bool {
	// One copy of the record; the string fields are slices of it (one
	// allocation per record instead of one per field).
	whole := string(b)
	i := jsonWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = jsonWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return jsonWS(b, i+1) == len(b)
	}
	for {
		key, next, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = jsonWS(b, next)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = jsonWS(b, i+1)
		if i >= len(b) {
			return false
		}
		if i, ok = field(whole, i, key); !ok {
			return false
		}
		i = jsonWS(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = jsonWS(b, i+1)
		case '}':
			return jsonWS(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// occurrenceField reads the value at b[i] into the field named key and
// returns the index after it.
func occurrenceField(b []byte, whole string, i int, key []byte, o *Occurrence) (int, bool) {
	var s *string
	var n *int64
	var f *bool
	switch string(key) {
	case "evidence":
		s = &o.Evidence
	case "volume":
		s = &o.Volume
	case "volume_offset":
		n = &o.VolumeOffset
	case "volume_type":
		s = &o.VolumeType
	case "fs":
		s = &o.FS
	case "path":
		s = &o.Path
	case "inode":
		v, end, ok := plainUint(b, i)
		o.Inode = v
		return end, ok
	case "deleted":
		f = &o.Deleted
	case "carved":
		f = &o.Carved
	case "offset":
		n = &o.Offset
	case "size":
		n = &o.Size
	case "mtime":
		s = &o.Mtime
	case "atime":
		s = &o.Atime
	case "ctime":
		s = &o.Ctime
	case "btime":
		s = &o.Btime
	case "sha256":
		s = &o.SHA256
	case "error":
		s = &o.Error
	case "embedded":
		f = &o.Embedded
	case "parent":
		s = &o.Parent
	case "member":
		s = &o.Member
	case "device_path":
		s = &o.DevicePath
	default:
		return 0, false
	}
	return jsonValue(b, whole, i, s, n, f)
}

// jsonValue reads the value at b[i] into whichever of s, n and f is not
// nil (a string, an integer, a boolean) and returns the index after it.
func jsonValue(b []byte, whole string, i int, s *string, n *int64, f *bool) (int, bool) {
	switch {
	case s != nil:
		_, end, ok := plainString(b, i)
		if ok {
			*s = whole[i+1 : end-1]
			return end, true
		}
		*s, end, ok = escapedString(b, i)
		return end, ok
	case n != nil:
		v, end, ok := plainUint(b, i)
		if !ok || v > 1<<63-1 {
			neg, end2, ok2 := negInt(b, i)
			*n = neg
			return end2, ok2
		}
		*n = int64(v)
		return end, true
	}
	switch {
	case len(b)-i >= 4 && string(b[i:i+4]) == "true":
		*f = true
		return i + 4, true
	case len(b)-i >= 5 && string(b[i:i+5]) == "false":
		*f = false
		return i + 5, true
	}
	return 0, false
}

// plainString reads a string at b[i] that needs no unescaping: no
// backslash, no control character, valid UTF-8 (encoding/json would
// replace invalid bytes).
func plainString(b []byte, i int) (s []byte, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s = b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

// escapedString reads a string at b[i] with escapes (an embedded place's
// parent key holds NULs, written as \u0000): the simple escapes and \u
// outside the surrogate range are unescaped here; surrogates, control
// characters and invalid UTF-8 are left to encoding/json.
func escapedString(b []byte, i int) (s string, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	out := make([]byte, 0, 64)
	for j := i + 1; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return "", 0, false
			}
			return string(out), j + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			out = append(out, c)
			continue
		}
		j++
		if j >= len(b) {
			return "", 0, false
		}
		switch b[j] {
		case '"', '\\', '/':
			out = append(out, b[j])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+4 >= len(b) {
				return "", 0, false
			}
			v, err := strconv.ParseUint(string(b[j+1:j+5]), 16, 32)
			if err != nil || v >= 0xD800 && v < 0xE000 {
				return "", 0, false
			}
			out = utf8.AppendRune(out, rune(v))
			j += 4
		default:
			return "", 0, false
		}
	}
	return "", 0, false
}

// plainUint reads digits without a leading zero (JSON's integer syntax)
// that fit a uint64, not followed by a fraction or exponent.
func plainUint(b []byte, i int) (uint64, int, bool) {
	j := i
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i || j-i > 1 && b[i] == '0' || j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(b[i:j]), 10, 64)
	return v, j, err == nil
}

// negInt reads a negative integer that fits an int64.
func negInt(b []byte, i int) (int64, int, bool) {
	if i >= len(b) || b[i] != '-' {
		return 0, 0, false
	}
	u, end, ok := plainUint(b, i+1)
	if !ok || u > 1<<63 {
		return 0, 0, false
	}
	return int64(-u), end, true // -(1<<63) wraps to itself
}

func jsonWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
