package exfat

import (
	"fmt"

	"scrim/ingest/fsys/runmap"
)

// bitmap is the allocation bitmap, one bit per cluster of the heap
// (cluster 2 is bit 0), held in memory: a 2 TB card of 32 KiB clusters
// needs 8 MiB.
type bitmap []byte

// maxBitmapBytes is the bitmap of the largest cluster count exFAT allows.
const maxBitmapBytes = (0xFFFFFFF5 + 7) / 8

// readBitmap loads the bitmap the root directory's 0x81 entry names.
func (fs *FS) readBitmap(first uint32, length int64) (bitmap, error) {
	g := fs.g
	need := (int64(g.clusters) + 7) / 8
	if length < need || length > maxBitmapBytes {
		return nil, fmt.Errorf("allocation bitmap of %d bytes for %d clusters", length, g.clusters)
	}
	runs, err := fs.chainRuns(first, need)
	if err != nil {
		// The bitmap entry's chain may be unrecorded; its clusters are
		// contiguous on every volume the formatters make.
		var err2 error
		if runs, err2 = fs.contiguousRuns(first, need); err2 != nil {
			return nil, fmt.Errorf("allocation bitmap at cluster %d: %w", first, err)
		}
	}
	b := make([]byte, need)
	if _, err := (&runmap.Reader{R: fs.r, Runs: runs, Size: need, Valid: need, FS: "exfat"}).ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("allocation bitmap at cluster %d: %w", first, err)
	}
	return bitmap(b), nil
}

// allocated reports whether cluster c is marked in use; clusters outside
// the heap count as in use, so nothing is recovered from them.
func (b bitmap) allocated(c uint32) bool {
	i := int64(c) - 2
	if c < 2 || i/8 >= int64(len(b)) {
		return true
	}
	return b[i/8]&(1<<(i%8)) != 0
}

// freeRun returns the first free cluster at or after c and how many free
// clusters follow it, up to last; n is 0 when none is left.
func (b bitmap) freeRun(c, last uint32) (start uint32, n uint32) {
	for c <= last && c >= 2 {
		i := int64(c) - 2
		if i%8 == 0 && b[i/8] == 0xFF {
			c += 8
			continue
		}
		if !b.allocated(c) {
			break
		}
		c++
	}
	start = c
	for c <= last && c >= 2 {
		i := int64(c) - 2
		if i%8 == 0 && b[i/8] == 0 && c+7 <= last {
			c += 8
			continue
		}
		if b.allocated(c) {
			break
		}
		c++
	}
	if start > last || start < 2 {
		return start, 0
	}
	return start, c - start
}
