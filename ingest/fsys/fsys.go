// Package fsys is the filesystem layer's contract: each filesystem reader
// (fsys/fat, fsys/ntfs, fsys/ext, fsys/iso, ...) lives in its own package
// and returns an FS over one volume. Readers are read-only, offset-based and
// tolerant of damage: a broken record becomes a File with Err set, a broken
// volume an error from Open, never a panic or an endless loop.
package fsys

import (
	"context"
	"io"
	"time"
)

// File is one regular file (or named data stream) found in a filesystem.
type File struct {
	// Path is slash-separated from the volume root, beginning with "/".
	// A named NTFS data stream is "/dir/file:stream".
	Path    string
	Size    int64
	Inode   uint64 // inode, MFT record or directory-entry position; 0 when none
	Deleted bool   // found through a deleted entry
	Mtime   time.Time
	Atime   time.Time
	Ctime   time.Time // metadata change time where the filesystem keeps one
	Btime   time.Time // creation time where the filesystem keeps one
	// Err says why the file's content cannot be read (damaged record,
	// clusters reused); the file is still reported.
	Err error
	// Content reads the file's bytes (volume-relative runs resolved); nil
	// when Err is set. Reads past Size return io.EOF.
	Content io.ReaderAt
}

// FS is one opened filesystem.
type FS interface {
	// Type names the filesystem: "fat12", "fat16", "fat32", "exfat", "ntfs",
	// "ext2", "ext3", "ext4", "iso9660", ...
	Type() string
	// Walk calls fn for every regular file, allocated and deleted, in a
	// stable order, until fn returns an error or ctx is done.
	Walk(ctx context.Context, fn func(File) error) error
	// Unallocated calls fn for every run of bytes not in use by the
	// filesystem, as volume-relative offsets, in increasing order: the
	// carver reads them.
	Unallocated(ctx context.Context, fn func(offset, length int64) error) error
}
