package fat

import (
	"fmt"
	"io"
)

// table reads entries of the first FAT through a bounded page cache: a FAT32
// FAT can be hundreds of megabytes, and only the pages a walk touches are
// read.
type table struct {
	r     io.ReaderAt
	g     *geometry
	start int64 // byte offset of FAT 1
	size  int64 // bytes of FAT 1
	pages map[int64][]byte
}

const (
	pageSize = 64 << 10
	maxPages = 256 // 16 MiB of FAT in memory at most
)

const (
	free = 0
)

func newTable(r io.ReaderAt, g *geometry) *table {
	return &table{r: r, g: g, start: g.reserved * g.bps, size: g.fatSectors * g.bps, pages: map[int64][]byte{}}
}

func (t *table) byteAt(off int64) (byte, error) {
	if off < 0 || off >= t.size {
		return 0, fmt.Errorf("FAT offset %d outside the %d-byte FAT", off, t.size)
	}
	pn := off / pageSize
	p, ok := t.pages[pn]
	if !ok {
		if len(t.pages) >= maxPages {
			clear(t.pages)
		}
		n := min(int64(pageSize), t.size-pn*pageSize)
		p = make([]byte, n)
		if err := readFull(t.r, p, t.start+pn*pageSize); err != nil {
			return 0, fmt.Errorf("reading FAT at byte %d: %w", t.start+pn*pageSize, err)
		}
		t.pages[pn] = p
	}
	return p[off-pn*pageSize], nil
}

// next returns the FAT entry of cluster c, masked to the FAT width.
func (t *table) next(c uint32) (uint32, error) {
	var off int64
	var width int
	switch t.g.kind {
	case "fat12":
		off, width = int64(c)+int64(c)/2, 2
	case "fat16":
		off, width = int64(c)*2, 2
	default:
		off, width = int64(c)*4, 4
	}
	var v uint32
	for i := range width {
		b, err := t.byteAt(off + int64(i))
		if err != nil {
			return 0, err
		}
		v |= uint32(b) << (8 * i)
	}
	if t.g.kind == "fat12" {
		if c&1 == 1 {
			v >>= 4
		}
		v &= 0xfff
	}
	return v & t.g.mask, nil
}

// isEOF is TSK's FATFS_ISEOF: an end-of-chain marker of this FAT width.
func (t *table) isEOF(v uint32) bool { return v >= 0x0ffffff8&t.g.mask }

// allocated reports whether cluster c is in use (its FAT entry is not 0).
func (t *table) allocated(c uint32) (bool, error) {
	v, err := t.next(c)
	return v != free, err
}

// readFull reads len(p) bytes at off; a short read is an error.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
