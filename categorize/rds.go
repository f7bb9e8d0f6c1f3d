package categorize

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"scrim/categorize/hashset"

	_ "modernc.org/sqlite" // pure Go: cmd/scrim stays cgo-free
)

// The SQLite reader lives here, not in hashset, so the parsers' fuzz
// binaries do not carry a whole SQLite engine.

// isSQLite reports whether path starts like an SQLite database.
func isSQLite(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [16]byte
	n, _ := f.Read(magic[:])
	return bytes.Equal(magic[:n], []byte("SQLite format 3\x00"))
}

// lowerHex returns s lower-cased when it is exactly n hex digits, in one
// pass and one allocation (it runs three times per row of a 50 M-row NSRL).
func lowerHex(s []byte, n int) (string, bool) {
	s = bytes.TrimSpace(s)
	if len(s) != n || n > 64 {
		return "", false
	}
	var buf [64]byte
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			buf[i] = c
		case c >= 'A' && c <= 'F':
			buf[i] = c + 'a' - 'A'
		default:
			return "", false
		}
	}
	return string(buf[:n]), true
}

func (s *rdsSummary) bad(rec int) {
	s.Bad++
	if len(s.FirstBad) < 10 {
		s.FirstBad = append(s.FirstBad, rec)
	}
}

type rdsSummary struct{ hashset.Summary }

// readRDSv3 streams the FILE table of an NSRL RDSv3 SQLite database
// (FILE(sha256, sha1, md5, crc32, file_name, file_size, package_id)). The
// database is opened read-only and immutable, so SQLite writes no journal
// or lock file beside it.
func readRDSv3(path string, opt hashset.Options, fn func(hashset.Entry) error) (out hashset.Summary, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("nsrl: internal error while reading %s: %v", path, r)
		}
	}()
	cat, code := opt.Category, ""
	if cat == "" {
		code = hashset.CodeKnownGood
	}
	sum := &rdsSummary{hashset.Summary{Format: "nsrl", Variant: "RDSv3", Vocabulary: hashset.VocabNSRL}}
	defer func() { out = sum.Summary }()
	// A relative path would read as the URI's authority ("file://x.db").
	abs, err := filepath.Abs(path)
	if err != nil {
		return sum.Summary, fmt.Errorf("nsrl: %s: %w", path, err)
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&immutable=1"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return sum.Summary, fmt.Errorf("nsrl: open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT sha256, sha1, md5, file_name, file_size FROM FILE`)
	if err != nil {
		return sum.Summary, fmt.Errorf("nsrl: %s is not an RDSv3 database (no FILE table with sha256, sha1, md5, file_name, file_size): %w", path, err)
	}
	defer rows.Close()
	var sha256, sha1, md5, name sql.RawBytes
	var size sql.NullInt64
	for rows.Next() {
		sum.Records++
		// RawBytes: the driver's text is copied into buffers reused from
		// row to row, not allocated as strings (NULL reads as empty).
		if err := rows.Scan(&sha256, &sha1, &md5, &name, &size); err != nil {
			sum.bad(int(sum.Records))
			continue
		}
		e := hashset.Entry{Code: code, Category: cat, Line: int(sum.Records)}
		if !opt.DigestsOnly {
			e.FileName = string(name)
		}
		if size.Valid && size.Int64 >= 0 {
			e.Size = size.Int64
		}
		bad := false
		for _, d := range [...]struct {
			v   []byte
			n   int
			dst *string
		}{{sha256, 64, &e.SHA256}, {sha1, 40, &e.SHA1}, {md5, 32, &e.MD5}} {
			if len(d.v) == 0 {
				continue
			}
			h, ok := lowerHex(d.v, d.n)
			if !ok {
				bad = true
				break
			}
			*d.dst = h
		}
		if bad || (e.MD5 == "" && e.SHA1 == "" && e.SHA256 == "") {
			sum.bad(e.Line)
			continue
		}
		sum.Entries++
		if err := fn(e); err != nil {
			return sum.Summary, fmt.Errorf("nsrl: record %d: %w", e.Line, err)
		}
	}
	if err := rows.Err(); err != nil {
		return sum.Summary, fmt.Errorf("nsrl: read %s after record %d: %w", path, sum.Records, err)
	}
	return sum.Summary, nil
}
