package apfs

import (
	"fmt"
	"io"
	"sort"
)

// streamReader reads a data stream (a file's data or an attribute's)
// through its file extents; a hole or a range no extent covers reads as
// zeros, as APFS defines sparse files.
type streamReader struct {
	c    *container
	size int64
	runs []fileExtent // sorted by logical offset
}

// stream checks a stream's extents against the container.
func (c *container) stream(size int64, runs []fileExtent) (*streamReader, error) {
	bs := int64(c.blockSize)
	sort.Slice(runs, func(i, j int) bool { return runs[i].logical < runs[j].logical })
	for i, e := range runs {
		if e.block != 0 && (e.length > int64(c.blockCount)*bs || e.block+uint64((e.length+bs-1)/bs) > c.blockCount) {
			return nil, fmt.Errorf("extent of %d bytes at block %d: %w", e.length, e.block, c.pastEnd(e.block+uint64(max(e.length-1, 0)/bs)))
		}
		if i > 0 && e.logical < runs[i-1].logical+runs[i-1].length {
			return nil, fmt.Errorf("extents at logical offsets %d and %d overlap", runs[i-1].logical, e.logical)
		}
	}
	// Holes read as zeros; a size far beyond what the container could
	// back is damage, and reading it would hash zeros for days.
	var mapped int64
	for _, e := range runs {
		mapped += min(e.length, size)
	}
	if holes := size - mapped; holes > maxHoles(c) {
		return nil, fmt.Errorf("stream of %d bytes with %d in holes, more than %d: a damaged size, not read", size, holes, maxHoles(c))
	}
	return &streamReader{c: c, size: size, runs: runs}, nil
}

// maxHoles bounds the zeros a sparse stream may add: four times the
// container, at least 64 GiB (a sparse disk image may exceed its volume).
func maxHoles(c *container) int64 {
	return max(4*int64(max(c.blockCount, c.declared))*int64(c.blockSize), 64<<30)
}

func (s *streamReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= s.size {
		return 0, io.EOF
	}
	want := len(p)
	if rem := s.size - off; int64(want) > rem {
		p = p[:rem]
	}
	bs := int64(s.c.blockSize)
	for done := 0; done < len(p); {
		pos := off + int64(done)
		i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].logical > pos }) - 1
		var n int64
		if i < 0 || pos >= s.runs[i].logical+s.runs[i].length {
			// Not mapped: zeros up to the next extent.
			n = int64(len(p) - done)
			if i+1 < len(s.runs) {
				n = min(n, s.runs[i+1].logical-pos)
			}
			clear(p[done : done+int(n)])
		} else {
			e := s.runs[i]
			in := pos - e.logical
			n = min(int64(len(p)-done), e.length-in)
			if e.block == 0 {
				clear(p[done : done+int(n)])
			} else {
				at := int64(e.block)*bs + in
				if m, err := s.c.r.ReadAt(p[done:done+int(n)], at); m < int(n) {
					if err == nil || err == io.EOF {
						err = io.ErrUnexpectedEOF
					}
					return done + m, fmt.Errorf("stream offset %d (container offset %d): %w", pos, at, err)
				}
			}
		}
		done += int(n)
	}
	if len(p) < want {
		return len(p), io.EOF
	}
	return len(p), nil
}

// bytesReader reads inline attribute data.
type bytesReader []byte

func (b bytesReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
