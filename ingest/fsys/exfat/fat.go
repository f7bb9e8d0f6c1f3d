package exfat

import (
	"fmt"
	"io"
	"sync"
)

// fatTable reads 32-bit entries of the active FAT through a bounded page
// cache: the FAT of a large card is tens of megabytes and a walk touches
// only the pages of fragmented files. Content readers of several files may
// use it at once, hence the lock.
type fatTable struct {
	r     io.ReaderAt
	start int64 // byte offset of the active FAT
	size  int64 // bytes of one FAT
	mu    sync.Mutex
	pages map[int64][]byte
}

const (
	pageSize = 64 << 10
	maxPages = 256 // 16 MiB of FAT in memory at most

	fatBad = 0xFFFFFFF7 // a bad cluster
	fatEOC = 0xFFFFFFF8 // this and above end a chain
)

func newFATTable(r io.ReaderAt, g *geometry) *fatTable {
	return &fatTable{r: r, start: (g.fatOffset + g.activeFAT*g.fatLength) * g.bps,
		size: g.fatLength * g.bps, pages: map[int64][]byte{}}
}

// next is the FAT entry of cluster c.
func (t *fatTable) next(c uint32) (uint32, error) {
	off := int64(c) * 4
	if off+4 > t.size {
		return 0, fmt.Errorf("FAT entry %d outside the %d-byte FAT", c, t.size)
	}
	pn := off / pageSize
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.pages[pn]
	if !ok {
		if len(t.pages) >= maxPages {
			clear(t.pages)
		}
		p = make([]byte, min(int64(pageSize), t.size-pn*pageSize))
		if err := readFull(t.r, p, t.start+pn*pageSize); err != nil {
			return 0, fmt.Errorf("reading FAT at byte %d: %w", t.start+pn*pageSize, err)
		}
		t.pages[pn] = p
	}
	o := off - pn*pageSize
	return uint32(p[o]) | uint32(p[o+1])<<8 | uint32(p[o+2])<<16 | uint32(p[o+3])<<24, nil
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
