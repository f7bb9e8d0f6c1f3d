// Package evidence opens what an examiner hands to Scrim and lists the files
// in it. A Source is one evidence item (a seized folder, a loose file, later a
// disk image); the ingest pipeline only sees Entries and their readers, so a
// disk-image reader plugs in as one more Source.
package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Entry is one file found in an evidence item.
type Entry struct {
	Volume       string // volume within the evidence ("" when there is none)
	VolumeOffset int64  // where the volume starts in the evidence, in bytes
	VolumeType   string // partition type as the table names it
	FS           string // filesystem type ("" for host files)
	Path         string // slash-separated path inside the volume, beginning with "/"
	Inode        uint64 // inode or MFT record number, 0 when unknown
	Deleted      bool
	Carved       bool
	Offset       int64 // byte offset in the evidence for carved data, else 0
	Size         int64
	Mtime        time.Time
	Atime        time.Time
	Ctime        time.Time // inode change time
	Btime        time.Time // birth time where the filesystem keeps one
	// Err is set when the entry was seen but cannot be read (permissions,
	// damaged metadata); it is still recorded so nothing is silently dropped.
	Err error
	// DevicePath is the file's path on the seized device when the
	// evidence is a phone extraction that names it (an iTunes backup's
	// hashed files); "" otherwise.
	DevicePath string
	// Open returns the entry's content, read-only.
	Open func() (Content, error)
	// folder and name are where a folder walk found the file, for
	// BatchReader; folder is nil for any other entry.
	folder *openFolder
	name   string
}

// Content is the read-only data of one entry.
type Content interface {
	io.ReaderAt
	io.Closer
}

// Info describes an evidence item as a whole.
type Info struct {
	Path     string // absolute source path as given by the examiner
	Format   string // "directory", "file", "raw", "split-raw", "ewf", "vmdk", "vhd", "vhdx"
	Size     int64  // media size in bytes (directories: 0)
	Segments []string
	// StoredHashes are acquisition digests the container carries.
	StoredHashes map[string]string
	// Notes are problems met while opening that did not stop it.
	Notes []string
}

// Source is one opened evidence item.
type Source interface {
	Info() Info
	// Walk calls fn for every entry, in a stable order, until fn returns an
	// error or ctx is done. Entries that cannot be read are passed with Err set.
	Walk(ctx context.Context, fn func(Entry) error) error
	Close() error
}

// WalkNoter is a Source that learns facts while it walks that an examiner
// must read: a region no reader claimed and what carving it found, an
// encrypted volume, a filesystem Scrim cannot read yet. Ingest records them
// on the evidence after the walk.
type WalkNoter interface {
	WalkNotes() []string
}

// ErrNotEvidence means no reader recognised the path.
var ErrNotEvidence = errors.New("not a recognised evidence format")

// opener is one format's probe: it returns (nil, nil) when the path is not its format.
type opener func(path string, fi os.FileInfo) (Source, error)

// openers are tried in order; the first that claims the path opens it.
// Container formats (disk images) go before the loose-file fallback.
var openers = []opener{
	openDirectory,
	openDiskImage,
	openLooseFile,
}

// Open probes path and returns the Source that reads it.
func Open(path string) (Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("evidence %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("evidence %s: %w", path, err)
	}
	for _, open := range openers {
		src, err := open(abs, fi)
		if err != nil {
			return nil, fmt.Errorf("evidence %s: %w", path, err)
		}
		if src != nil {
			return src, nil
		}
	}
	return nil, fmt.Errorf("evidence %s: %w", path, ErrNotEvidence)
}
