// Package hashset parses hash sets of known material (Project VIC VICS JSON,
// Interpol ICSE CSV, NSRL RDS legacy, plain digest lists) so Scrim can
// categorize seized pictures before an examiner sees them.
//
// Every reader streams: memory stays bounded whatever the file size. A record
// that cannot be used is counted as bad and skipped; only a file of the wrong
// format (or a JSON syntax break the decoder cannot step over) is fatal.
package hashset

import (
	"fmt"
	"strings"
)

// Entry is one known digest with what the source says about it.
type Entry struct {
	MD5, SHA1, SHA256 string // lower-case hex; "" when absent
	// Code is the source's category in the vocabulary the Summary names
	// ("" when the source says nothing); Category is a code of the case's
	// scheme the examiner gave with Options.Category. Package categorize
	// maps Code into the case's scheme.
	Code, Category string
	SourceCategory string // exactly as the file wrote it

	MediaID, PhotoDNA, Series, Comments, FileName string

	Tags []string
	Size int64

	VictimIdentified, OffenderIdentified, IsDistributed, IsPrecategorized bool

	Line int // 1-based line (text/CSV) or record number (VICS)
}

// Summary describes one import for the examiner.
type Summary struct {
	Format  string // "vics", "icse", "nsrl", "text"
	Variant string // e.g. "2.0 UK", "legacy", "mixed"
	// Vocabulary names what Entry.Code means (VocabVICSUS, ...); "" when
	// the source carries no category.
	Vocabulary string
	Mapping    string // filled by the importer: source codes → the case's codes

	Records, Entries, Bad int64
	FirstBad              []int // up to maxFirstBad line/record numbers
}

// Options tune an import.
type Options struct {
	// Category, a code of the case's scheme, is given to every entry of
	// text lists and NSRL (NSRL without it: Code CodeKnownGood), and to
	// ICSE entries without the Baseline flag. VICS files carry their own
	// categories and ignore it.
	Category string
	// DigestsOnly leaves out what describes an entry beyond its digests
	// and category (file names, comments, flags...): a caller that keeps
	// only those reads a VICS file faster.
	DigestsOnly bool
}

const maxFirstBad = 10

func (s *Summary) bad(line int) {
	s.Bad++
	if len(s.FirstBad) < maxFirstBad {
		s.FirstBad = append(s.FirstBad, line)
	}
}

// emit counts a good entry and hands it on.
func (s *Summary) emit(fn func(Entry) error, e Entry) error {
	s.Entries++
	if err := fn(e); err != nil {
		return fmt.Errorf("entry at line/record %d: %w", e.Line, err)
	}
	return nil
}

// guard turns a panic in a reader into an error: a hash set must never take
// the whole import down.
func guard(format string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: internal error while parsing: %v", format, r)
	}
}

// Digest lengths in hex characters.
const (
	md5Hex    = 32
	sha1Hex   = 40
	sha256Hex = 64
)

// normHex returns b lower-cased when it is exactly n hex digits (n == 0:
// any of the three lengths). Surrounding blanks are ignored.
func normHex(b []byte, n int) (string, bool) {
	b = trimSpace(b)
	if n == 0 {
		if len(b) != md5Hex && len(b) != sha1Hex && len(b) != sha256Hex {
			return "", false
		}
	} else if len(b) != n {
		return "", false
	}
	var buf [sha256Hex]byte
	for i, c := range b {
		l := hexLower[c]
		if l == 0 {
			return "", false
		}
		buf[i] = l
	}
	return string(buf[:len(b)]), true
}

// hexLower maps a hex digit to its lower-case form and anything else to 0.
var hexLower = func() (t [256]byte) {
	for _, c := range "0123456789abcdef" {
		t[c] = byte(c)
	}
	for _, c := range "ABCDEF" {
		t[c] = byte(c) + 'a' - 'A'
	}
	return t
}()

// setDigest stores a digest of any supported length in the matching field.
func setDigest(e *Entry, hex string) {
	switch len(hex) {
	case md5Hex:
		e.MD5 = hex
	case sha1Hex:
		e.SHA1 = hex
	case sha256Hex:
		e.SHA256 = hex
	}
}

func hasDigest(e *Entry) bool { return e.MD5 != "" || e.SHA1 != "" || e.SHA256 != "" }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseFlag reads the many spellings of a boolean found in real exports.
func parseFlag(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y", "t", "x":
		return true
	}
	return false
}
