package hfsplus

import (
	"fmt"
	"io"
	"sort"
)

// Fork types in extents overflow keys.
const (
	dataFork     = 0x00
	resourceFork = 0xff
)

// forkReader reads one fork's bytes through its extents.
type forkReader struct {
	r     io.ReaderAt
	block int64
	size  int64
	runs  []extent
	first []int64 // file block where each run starts
}

// fork resolves a fork's extents: the eight in its record, then the
// extents overflow records of fileID, checked against the volume.
func (v *FS) fork(fileID uint32, kind byte, f forkData) (*forkReader, error) {
	fr := &forkReader{r: v.r, block: v.block, size: int64(f.logicalSize)}
	var blocks int64
	add := func(e extent) error {
		if e.count == 0 {
			return nil
		}
		if uint64(e.start)+uint64(e.count) > uint64(v.hdr.totalBlocks) {
			return fmt.Errorf("extent of %d blocks at block %d runs past the volume's %d blocks", e.count, e.start, v.hdr.totalBlocks)
		}
		fr.first = append(fr.first, blocks)
		fr.runs = append(fr.runs, e)
		blocks += int64(e.count)
		return nil
	}
	for _, e := range f.extents {
		if err := add(e); err != nil {
			return nil, err
		}
	}
	need := (fr.size + v.block - 1) / v.block
	if blocks < need && v.overflow != nil {
		for _, rec := range v.overflow[overflowKey{fileID, kind}] {
			if int64(rec.startBlock) != blocks {
				break // a gap or a repeat: the runs below say what is missing
			}
			for _, e := range rec.extents {
				if err := add(e); err != nil {
					return nil, err
				}
			}
		}
	}
	if blocks < need {
		return nil, fmt.Errorf("fork of %d bytes has only %d of its %d blocks mapped", fr.size, blocks, need)
	}
	return fr, nil
}

func (f *forkReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	if off >= f.size {
		return 0, io.EOF
	}
	want := len(p)
	if rem := f.size - off; int64(want) > rem {
		p = p[:rem]
	}
	for done := 0; done < len(p); {
		pos := off + int64(done)
		b := pos / f.block
		i := sort.Search(len(f.first), func(i int) bool { return f.first[i] > b }) - 1
		run := f.runs[i]
		in := pos - f.first[i]*f.block
		n := min(int64(len(p)-done), int64(run.count)*f.block-in)
		at := int64(run.start)*f.block + in
		if m, err := f.r.ReadAt(p[done:done+int(n)], at); m < int(n) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return done + m, fmt.Errorf("fork offset %d (volume offset %d): %w", pos, at, err)
		}
		done += int(n)
	}
	if len(p) < want {
		return len(p), io.EOF
	}
	return len(p), nil
}
