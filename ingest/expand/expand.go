// Package expand lists the members of files that hold other files:
// archives (ZIP, TAR, 7z, RAR), compressed streams (gzip, bzip2, xz, zstd)
// and pictures hidden inside other bytes. Formats are recognised by content,
// never by name: one small Format per file, tried in order like the
// filesystem probes. The ingest worker walks a container's members as child
// entries of the same evidence item, recursively, within the Limits.
//
// Nothing here writes to disk but SQLite databases, which are copied into
// the private temporary area ingest cleans after a killed run; members are
// handed out as streams, and their names (which may read "../../x.jpg") are
// only ever shown.
package expand

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// Member is one file inside a container.
type Member struct {
	// Name is the member's path inside its container as stored, cleaned of
	// NUL bytes; it is a label, never a file name.
	Name   string
	Size   int64 // declared size, -1 when the format does not say
	Packed int64 // stored (compressed) size, -1 when unknown
	// Offset is where the member's bytes start in the container, when it is
	// stored as is (a carved picture, a stored ZIP member); else 0.
	Offset int64
	Mtime  time.Time
	// DevicePath is the member's path on the seized device when the
	// container is a phone extraction that says so (a UFDR's report.xml,
	// a phone's file tree); "" otherwise. It is only shown.
	DevicePath string
	// Deleted is set when the extraction report marks the file deleted on
	// the device (recovered by the extraction tool).
	Deleted bool
	// Expect holds digests the extraction report gives for the member
	// ("md5", "sha256", lower-case hex): ingest checks the bytes against
	// them and notes a mismatch.
	Expect map[string]string
	// Note is a fact about the container the examiner must read (a
	// damaged or capped extraction report); ingest records it on the
	// evidence.
	Note string
	// Err is set when the member is listed but cannot be read (encrypted,
	// unsupported method, damaged header); Open is then nil.
	Err error
	// Open streams the member's content. It is valid only during the
	// callback the member is handed to.
	Open func() (io.ReadCloser, error)
}

// Format is one container type.
type Format interface {
	// Name is a short lower-case name ("zip", "gzip").
	Name() string
	// Probe reports whether head (up to HeadSize leading bytes) starts
	// this format.
	Probe(head []byte) bool
	// Walk calls fn for every member, in stored order, until fn returns an
	// error or ctx is done. A damaged container returns the members read
	// so far and an error saying where it broke.
	Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error
}

// HeadSize is how many leading bytes Probe wants.
const HeadSize = 4096

// ErrEncrypted marks members that are encrypted and so cannot be read.
var ErrEncrypted = errors.New("encrypted, not readable")

// formats is tried in order; the first probe that agrees wins. Read-only.
var formats = []Format{
	zipFormat{},
	tarFormat{},
	gzipFormat{},
	bzip2Format{},
	xzFormat{},
	zstdFormat{},
	sevenZipFormat{},
	rarFormat{},
	mailFormat{},
	thumbcacheFormat{},
	thumbsDBFormat{}, // before ole2: a Thumbs.db is an OLE2 file with a Catalog
	ole2Format{},
	sqliteFormat{},
	pdfFormat{}, // last: "%PDF-" may sit anywhere in the first 1024 bytes
}

// Detect returns the container format head starts, or nil.
func Detect(head []byte) Format {
	for _, f := range formats {
		if f.Probe(head) {
			return f
		}
	}
	return nil
}

// Formats lists the container formats, for tests and fuzzing.
func Formats() []Format { return append([]Format(nil), formats...) }

// cleanName makes a stored name safe to show and to key on: NUL bytes
// would cut an occurrence key, so they are shown as U+FFFD.
func cleanName(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// at reports whether b holds magic at offset off.
func at(b []byte, off int, magic string) bool {
	return off >= 0 && off+len(magic) <= len(b) && string(b[off:off+len(magic)]) == magic
}
