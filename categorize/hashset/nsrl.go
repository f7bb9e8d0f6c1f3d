package hashset

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// nsrlMember is the file of an RDS legacy release that holds the digests.
const nsrlMember = "nsrlfile.txt"

// ReadNSRL reads an NSRL RDS legacy NSRLFile.txt, plain or inside a .zip
// (the member is streamed, never extracted). NSRL lists known software
// files, so every entry gets Options.Category or Code CodeKnownGood.
// An RDSv3 SQLite database is reported with ErrSQLite: its reader lives in
// package categorize, which keeps SQLite out of these parsers.
// ErrSQLite marks an NSRL RDSv3 SQLite database given to the text reader.
var ErrSQLite = errors.New("an RDSv3 SQLite database, not an RDS legacy file")

func ReadNSRL(p string, opt Options, fn func(Entry) error) (sum Summary, err error) {
	defer guard("nsrl", &err)
	sum = Summary{Format: "nsrl", Variant: "legacy"}
	f, err := os.Open(p) // read-only
	if err != nil {
		return sum, fmt.Errorf("nsrl: %w", err)
	}
	defer f.Close()
	var magic [16]byte
	n, _ := io.ReadFull(f, magic[:])
	switch {
	case bytes.HasPrefix(magic[:n], []byte("SQLite format 3\x00")):
		return sum, fmt.Errorf("nsrl: %s: %w", p, ErrSQLite)
	case bytes.HasPrefix(magic[:n], []byte("PK\x03\x04")):
		return readNSRLZip(f, p, opt, fn)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return sum, fmt.Errorf("nsrl: %s: %w", p, err)
	}
	sum, err = readNSRL(f, opt, fn)
	if err != nil {
		err = fmt.Errorf("%s: %w", p, err)
	}
	return sum, err
}

func readNSRLZip(f *os.File, p string, opt Options, fn func(Entry) error) (Summary, error) {
	sum := Summary{Format: "nsrl", Variant: "legacy"}
	st, err := f.Stat()
	if err != nil {
		return sum, fmt.Errorf("nsrl: %s: %w", p, err)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return sum, fmt.Errorf("nsrl: %s: not a readable zip: %w", p, err)
	}
	var names []string
	for _, m := range zr.File {
		if strings.ToLower(path.Base(m.Name)) != nsrlMember {
			if len(names) < 5 {
				names = append(names, m.Name)
			}
			continue
		}
		rc, err := m.Open()
		if err != nil {
			return sum, fmt.Errorf("nsrl: %s: member %s: %w", p, m.Name, err)
		}
		defer rc.Close()
		sum, err = readNSRL(rc, opt, fn)
		if err != nil {
			err = fmt.Errorf("%s!%s: %w", p, m.Name, err)
		}
		return sum, err
	}
	return sum, fmt.Errorf("nsrl: %s: the zip holds no NSRLFile.txt (members: %s)", p, strings.Join(names, ", "))
}

// readNSRL parses the quoted CSV of NSRLFile.txt.
func readNSRL(r io.Reader, opt Options, fn func(Entry) error) (sum Summary, err error) {
	defer guard("nsrl", &err)
	cat, code := opt.Category, ""
	if cat == "" {
		code = CodeKnownGood
	}
	sum = Summary{Format: "nsrl", Variant: "legacy", Vocabulary: VocabNSRL}
	br := bufio.NewReaderSize(r, maxLine)
	head, _ := br.Peek(512)
	if what := sniffMagic(head); what != "" {
		return sum, fmt.Errorf("nsrl: not an NSRL RDS legacy file: the file is %s", what)
	}
	lr := &lineReader{br: br}
	line, _, rerr := lr.next()
	if rerr != nil && rerr != io.EOF {
		return sum, fmt.Errorf("nsrl: header: %w", rerr)
	}
	col := map[string]int{}
	for i, f := range splitFields(line, ',', nil) {
		col[strings.ToLower(string(f))] = i
	}
	iSHA1, ok1 := col["sha-1"]
	iMD5, ok2 := col["md5"]
	if !ok1 || !ok2 {
		return sum, fmt.Errorf(`nsrl: not an NSRL RDS legacy file: the first line is not a header like "SHA-1","MD5","CRC32","FileName",...`)
	}
	iName, okName := col["filename"]
	iSize, okSize := col["filesize"]
	var fields [][]byte
	for {
		line, tooLong, rerr := lr.next()
		if rerr == io.EOF {
			return sum, nil
		}
		if rerr != nil {
			return sum, fmt.Errorf("nsrl: line %d: %w", lr.line+1, rerr)
		}
		if !tooLong && len(trimSpace(line)) == 0 {
			continue
		}
		sum.Records++
		if tooLong {
			sum.bad(lr.line)
			continue
		}
		fields = splitFields(line, ',', fields)
		if iSHA1 >= len(fields) || iMD5 >= len(fields) {
			sum.bad(lr.line)
			continue
		}
		sha1, ok1 := normHex(fields[iSHA1], sha1Hex)
		md5, ok2 := normHex(fields[iMD5], md5Hex)
		if !ok1 || !ok2 {
			sum.bad(lr.line)
			continue
		}
		e := Entry{SHA1: sha1, MD5: md5, Code: code, Category: cat, Line: lr.line}
		if okName && iName < len(fields) {
			e.FileName = latin1(fields[iName])
		}
		if okSize && iSize < len(fields) {
			if n, err := strconv.ParseInt(string(fields[iSize]), 10, 64); err == nil && n >= 0 {
				e.Size = n
			}
		}
		if err := sum.emit(fn, e); err != nil {
			return sum, fmt.Errorf("nsrl: %w", err)
		}
	}
}

// latin1 converts an RDS legacy file name to UTF-8. The format is
// ISO-8859-1; a name that is already valid UTF-8 is kept as is, because
// some re-packaged sets were converted and a Latin-1 name that happens to be
// valid UTF-8 (e.g. "Ã©") is far rarer than a converted file.
func latin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}
