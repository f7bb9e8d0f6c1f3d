package ext

import (
	"errors"
	"fmt"
	"io"
	"sort"
)

// run maps count file blocks from logical to physical (0: a hole).
type run struct{ logical, physical, count int64 }

// blockMap resolves an inode's blocks through the library's extent or
// indirect-block decoder, checked against the volume.
func (v *FS) blockMap(in *inode) (runs []run, err error) {
	defer func() {
		if p := recover(); p != nil {
			runs, err = nil, fmt.Errorf("block map: parser panic: %v", p)
		}
	}()
	if in.Flags&inlineDataFl != 0 {
		return nil, errors.New("inline data is not supported")
	}
	if in.Flags&extentsFl != 0 {
		ext, err := v.lib.Extents(&in.Inode)
		if err != nil {
			return nil, err
		}
		for _, e := range ext {
			if e.IsUninitialized() {
				continue // unwritten: reads as zeros
			}
			runs = append(runs, run{int64(e.Block), int64(e.StartHi)<<32 | int64(e.StartLo), int64(e.GetLen())})
		}
	} else {
		// the library allocates one entry per block of the declared size
		if sz := in.GetSize(); sz < 0 || sz > v.size {
			return nil, fmt.Errorf("size %d exceeds the volume", sz)
		}
		addrs, err := in.GetBlockAddresses(v.lib)
		if err != nil {
			return nil, err
		}
		for i, a := range addrs {
			if a == 0 {
				continue
			}
			if n := len(runs); n > 0 && runs[n-1].logical+runs[n-1].count == int64(i) && runs[n-1].physical+runs[n-1].count == int64(a) {
				runs[n-1].count++
				continue
			}
			runs = append(runs, run{int64(i), int64(a), 1})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].logical < runs[j].logical })
	for _, r := range runs {
		if r.physical <= 0 || r.physical+r.count > v.blocks {
			return nil, fmt.Errorf("blocks %d+%d outside the volume (%d blocks)", r.physical, r.count, v.blocks)
		}
	}
	return runs, nil
}

// content reads a file through its block runs; holes read as zeros. It
// holds no cursor, so concurrent ReadAt calls are safe.
type content struct {
	r         io.ReaderAt
	runs      []run
	blockSize int64
	size      int64
}

func (c *content) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("ext: negative offset")
	}
	if off >= c.size {
		return 0, io.EOF
	}
	n := 0
	want := min(int64(len(p)), c.size-off)
	for int64(n) < want {
		pos := off + int64(n)
		blk := pos / c.blockSize
		i := sort.Search(len(c.runs), func(i int) bool { return c.runs[i].logical+c.runs[i].count > blk })
		var chunk int64
		if i < len(c.runs) && c.runs[i].logical <= blk {
			r := c.runs[i]
			end := (r.logical + r.count) * c.blockSize
			chunk = min(want-int64(n), end-pos)
			disk := (r.physical+blk-r.logical)*c.blockSize + pos%c.blockSize
			m, err := c.r.ReadAt(p[n:n+int(chunk)], disk)
			if int64(m) < chunk {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return n + m, fmt.Errorf("ext: read at %d: %w", pos, err)
			}
		} else {
			next := c.size
			if i < len(c.runs) {
				next = c.runs[i].logical * c.blockSize
			}
			chunk = min(want-int64(n), next-pos)
			clear(p[n : n+int(chunk)])
		}
		n += int(chunk)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
