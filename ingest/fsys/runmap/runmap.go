// Package runmap reads a file whose bytes lie in runs of volume bytes, the
// way cluster-based filesystems (FAT, exFAT) store them: each reader maps
// its chain or extent list to Runs and hands out a Reader.
package runmap

import (
	"errors"
	"fmt"
	"io"
	"sort"
)

// Run is a stretch of a file's bytes stored contiguously in the volume.
type Run struct {
	Logical int64 // offset in the file
	Volume  int64 // offset in the volume
	Length  int64
}

// Append adds length bytes at volume offset volume, file offset logical,
// merging with the last run when they are contiguous in the volume.
func Append(rs []Run, volume, length, logical int64) []Run {
	if k := len(rs) - 1; k >= 0 && rs[k].Volume+rs[k].Length == volume && rs[k].Logical+rs[k].Length == logical {
		rs[k].Length += length
		return rs
	}
	return append(rs, Run{Logical: logical, Volume: volume, Length: length})
}

// Reader is a file's content: Size bytes mapped through Runs, of which
// the bytes from Valid on read as zeros (exFAT's ValidDataLength; Valid =
// Size where a filesystem has no such notion). Reads past Size end with
// io.EOF. FS names the filesystem in errors.
type Reader struct {
	R     io.ReaderAt
	Runs  []Run
	Size  int64
	Valid int64
	FS    string
}

// ReadAt maps [off, off+len(p)) through the runs.
func (c *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New(c.FS + ": negative offset")
	}
	if off >= c.Size {
		return 0, io.EOF
	}
	want := len(p)
	if int64(want) > c.Size-off {
		p = p[:c.Size-off]
	}
	if end := off + int64(len(p)); end > c.Valid {
		z := max(c.Valid-off, 0)
		clear(p[z:])
		p = p[:z]
	}
	n := 0
	i := sort.Search(len(c.Runs), func(i int) bool { return c.Runs[i].Logical+c.Runs[i].Length > off })
	for n < len(p) && i < len(c.Runs) {
		rn := c.Runs[i]
		skip := off + int64(n) - rn.Logical
		chunk := min(int64(len(p)-n), rn.Length-skip)
		m, err := c.R.ReadAt(p[n:n+int(chunk)], rn.Volume+skip)
		n += m
		if m < int(chunk) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, fmt.Errorf("%s: reading volume at %d: %w", c.FS, rn.Volume+skip+int64(m), err)
		}
		i++
	}
	if n < len(p) {
		return n, fmt.Errorf("%s: file offset %d not mapped", c.FS, off+int64(n))
	}
	n = min(want, int(c.Size-off))
	if n < want {
		return n, io.EOF
	}
	return n, nil
}

// Overlap finds volume bytes used twice by one file's runs: a cluster
// chain that loops back on itself. The merged runs are far fewer than
// clusters for all but shredded files, so no per-cluster set is needed.
func Overlap(rs []Run) error {
	if len(rs) < 2 {
		return nil
	}
	s := append([]Run(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Volume < s[j].Volume })
	for i := 1; i < len(s); i++ {
		if s[i].Volume < s[i-1].Volume+s[i-1].Length {
			return fmt.Errorf("cluster chain loops back to volume offset %d", s[i].Volume)
		}
	}
	return nil
}
