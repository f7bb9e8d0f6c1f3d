package hashset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// digestColumns are header names that mark the digest column of a CSV list.
var digestColumns = map[string]bool{
	"md5": true, "sha1": true, "sha-1": true, "sha256": true, "sha-256": true,
	"hash": true, "digest": true, "md5 hash": true, "sha1 hash": true, "hash value": true,
}

// ReadText reads a list of digests: one per line, md5sum-style "digest  name"
// lines, or CSV whose first column (or the column named md5, sha1, sha256 or
// hash in a header line) holds it. The algorithm follows from the length
// (32/40/64 hex digits); "#" comments and blank lines are skipped.
func ReadText(r io.Reader, opt Options, fn func(Entry) error) (sum Summary, err error) {
	defer guard("text", &err)
	sum = Summary{Format: "text"}
	br := bufio.NewReaderSize(r, maxLine)
	head, _ := br.Peek(512)
	if what := sniffMagic(head); what != "" {
		return sum, fmt.Errorf("text: not a hash list: the file is %s", what)
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return sum, fmt.Errorf("text: not a hash list: the file is JSON (a Project VIC file needs the VICS reader)")
	}
	lr := &lineReader{br: br}
	t := textState{col: -1}
	for {
		line, tooLong, rerr := lr.next()
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return t.finish(sum), fmt.Errorf("text: line %d: %w", lr.line+1, rerr)
		}
		if tooLong {
			sum.Records++
			sum.bad(lr.line)
			continue
		}
		line = trimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if !t.headerSeen {
			t.headerSeen = true
			if t.header(line) {
				continue
			}
		}
		sum.Records++
		e, ok := t.parse(line)
		if !ok {
			sum.bad(lr.line)
			continue
		}
		e.Line = lr.line
		e.Category = opt.Category
		if err := sum.emit(fn, e); err != nil {
			return t.finish(sum), fmt.Errorf("text: %w", err)
		}
	}
	sum = t.finish(sum)
	if sum.Entries == 0 && sum.Bad > 0 {
		return sum, fmt.Errorf("text: no MD5/SHA-1/SHA-256 digest in %d lines (first bad line %d): not a hash list", sum.Bad, sum.FirstBad[0])
	}
	return sum, nil
}

type textState struct {
	headerSeen bool
	col        int  // digest column named by a header line; -1 without one
	sep        byte // that header's separator
	kinds      int  // bit set of digest lengths seen
	fields     [][]byte
}

// header recognises a CSV header line naming the digest column.
func (t *textState) header(line []byte) bool {
	i := bytes.IndexAny(line, ",;\t")
	if i < 0 {
		return false
	}
	sep := line[i]
	if _, ok := normHex(line[:i], 0); ok {
		return false // a data line whose other fields happen to read "md5"...
	}
	for n, f := range splitFields(line, sep, nil) {
		if digestColumns[strings.ToLower(string(trimSpace(f)))] {
			t.col, t.sep = n, sep
			return true
		}
	}
	return false
}

func (t *textState) parse(line []byte) (Entry, bool) {
	var e Entry
	var field []byte
	if t.col >= 0 {
		t.fields = splitFields(line, t.sep, t.fields)
		if t.col >= len(t.fields) {
			return e, false
		}
		field = t.fields[t.col]
	} else {
		end := indexSep(line)
		field = line
		if end >= 0 {
			field = line[:end]
			if line[end] == ' ' || line[end] == '\t' {
				// md5sum style: "digest  name" or "digest *name".
				name := bytes.TrimPrefix(trimSpace(line[end+1:]), []byte{'*'})
				e.FileName = string(name)
			}
		}
		if len(field) >= 2 && field[0] == '"' && field[len(field)-1] == '"' {
			field = field[1 : len(field)-1]
		}
	}
	hex, ok := normHex(field, 0)
	if !ok {
		return e, false
	}
	setDigest(&e, hex)
	t.kinds |= 1 << (len(hex) / 8) // 32→bit 4, 40→bit 5, 64→bit 8
	return e, true
}

func (t *textState) finish(sum Summary) Summary {
	switch t.kinds {
	case 0:
		sum.Variant = "empty"
	case 1 << 4:
		sum.Variant = "md5"
	case 1 << 5:
		sum.Variant = "sha1"
	case 1 << 8:
		sum.Variant = "sha256"
	default:
		sum.Variant = "mixed"
	}
	return sum
}

// indexSep finds the first ',', ';', ' ' or tab: the end of a leading digest.
func indexSep(b []byte) int {
	for i, c := range b {
		if c == ',' || c == ';' || c == ' ' || c == '\t' {
			return i
		}
	}
	return -1
}
