package ewf

import (
	"bytes"
	"compress/zlib"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// maxHeaderText bounds a decompressed header section: real ones are a few
// hundred bytes, a hostile one must not inflate into memory.
const maxHeaderText = 1 << 20

// headerKeys names the acquisition fields of the "main" category.
var headerKeys = map[string]string{
	"c":   "case_number",
	"n":   "evidence_number",
	"a":   "description",
	"e":   "examiner",
	"t":   "notes",
	"av":  "acquiry_software_version",
	"ov":  "acquiry_os",
	"m":   "acquisition_date",
	"u":   "system_date",
	"p":   "password_hash",
	"r":   "compression",
	"md":  "model",
	"sn":  "serial_number",
	"l":   "device_label",
	"pid": "process_id",
	"ext": "extents",
}

// parseHeader decodes a header (8-bit text) or header2 (UTF-16LE) section
// into metadata fields.
func parseHeader(typ string, data []byte) (map[string]string, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, errorf("%s section: %w", typ, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxHeaderText))
	if err != nil {
		return nil, errorf("%s section: %w", typ, err)
	}
	text := decodeText(raw)
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	out := map[string]string{}
	for i := 0; i+2 < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "main" {
			continue
		}
		keys, vals := strings.Split(lines[i+1], "\t"), strings.Split(lines[i+2], "\t")
		for k, key := range keys {
			if k >= len(vals) || vals[k] == "" {
				continue
			}
			name, ok := headerKeys[key]
			if !ok {
				name = "header_" + key
			}
			out[name] = headerValue(typ, key, vals[k])
		}
		break
	}
	return out, nil
}

// decodeText turns UTF-16LE (with or without BOM) or 8-bit text into UTF-8;
// 8-bit bytes are read as Latin-1, the default code page's superset aside.
func decodeText(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xff && b[1] == 0xfe:
		return utf16le(b[2:])
	case len(b) >= 2 && b[1] == 0 && b[0] != 0:
		return utf16le(b)
	case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
		return string(b[3:])
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func utf16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// headerValue normalises dates: header2 stores Unix seconds, header stores
// "YYYY M D h m s" in the acquiring machine's local time (zone unknown).
func headerValue(typ, key, v string) string {
	if key != "m" && key != "u" {
		return v
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		return time.Unix(secs, 0).UTC().Format(time.RFC3339)
	}
	f := strings.Fields(v)
	if len(f) == 6 {
		n := make([]int, 6)
		for i, s := range f {
			x, err := strconv.Atoi(s)
			if err != nil {
				return v
			}
			n[i] = x
		}
		return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC).Format("2006-01-02T15:04:05")
	}
	return v
}
