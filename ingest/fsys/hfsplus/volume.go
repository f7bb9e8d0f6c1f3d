// Package hfsplus reads HFS+ and HFSX volumes (Apple Technical Note
// TN1150): the volume header, the catalog B-tree for names and forks, the
// extents overflow B-tree for fragmented forks, the attributes B-tree for
// decmpfs compression, and the allocation file for free space. It is
// read-only and offset-based; every count and offset is checked against
// the volume before it is used.
package hfsplus

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"scrim/ingest/fsys"
)

const (
	headerOffset = 1024
	headerSize   = 512
	// maxBlockSize bounds the allocation block (TN1150 allows any power
	// of two from 512; Apple writes 4 KiB).
	maxBlockSize = 1 << 20
)

// Probe recognises an HFS+ or HFSX volume header, or an HFS wrapper that
// embeds one.
func Probe(head []byte) bool {
	if len(head) < headerOffset+headerSize {
		return false
	}
	h := head[headerOffset:]
	switch string(h[:2]) {
	case "H+":
		return binary.BigEndian.Uint16(h[2:]) == 4
	case "HX":
		return binary.BigEndian.Uint16(h[2:]) == 5
	case "BD":
		return string(h[0x7c:0x7e]) == "H+"
	}
	return false
}

// extent is a run of allocation blocks.
type extent struct{ start, count uint32 }

// forkData is a fork's size and its first eight extents.
type forkData struct {
	logicalSize uint64
	totalBlocks uint32
	extents     [8]extent
}

func parseFork(b []byte) forkData {
	be := binary.BigEndian
	f := forkData{logicalSize: be.Uint64(b), totalBlocks: be.Uint32(b[12:])}
	for i := range f.extents {
		f.extents[i] = extent{be.Uint32(b[16+8*i:]), be.Uint32(b[20+8*i:])}
	}
	return f
}

// volumeHeader holds the fields of the 512-byte header this reader uses.
type volumeHeader struct {
	signature   string
	blockSize   uint32
	totalBlocks uint32
	allocation  forkData
	extents     forkData
	catalog     forkData
	attributes  forkData
}

func parseVolumeHeader(b []byte) (volumeHeader, error) {
	be := binary.BigEndian
	h := volumeHeader{
		signature:   string(b[:2]),
		blockSize:   be.Uint32(b[40:]),
		totalBlocks: be.Uint32(b[44:]),
		allocation:  parseFork(b[112:]),
		extents:     parseFork(b[192:]),
		catalog:     parseFork(b[272:]),
		attributes:  parseFork(b[352:]),
	}
	if h.signature != "H+" && h.signature != "HX" {
		return h, fmt.Errorf("no HFS+ or HFSX signature (%q)", b[:2])
	}
	if bs := h.blockSize; bs < 512 || bs > maxBlockSize || bs&(bs-1) != 0 {
		return h, fmt.Errorf("allocation block size %d is not a power of two from 512 B to 1 MiB", bs)
	}
	return h, nil
}

// embeddedOffset returns where the HFS+ volume an HFS wrapper ("BD")
// embeds starts, in bytes.
func embeddedOffset(mdb []byte) (int64, error) {
	be := binary.BigEndian
	blk := int64(be.Uint32(mdb[0x14:]))
	first := int64(be.Uint16(mdb[0x1c:]))
	start := int64(be.Uint16(mdb[0x7e:]))
	if blk < 512 || blk%512 != 0 {
		return 0, fmt.Errorf("HFS wrapper: allocation block size %d", blk)
	}
	return first*512 + start*blk, nil
}

// hfsTime converts seconds since 1904-01-01 UTC (catalog dates are UTC).
func hfsTime(s uint32) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s)-2082844800, 0).UTC()
}

// Open reads the volume header of the HFS+ volume in r (size bytes) and
// the B-tree headers, ready to walk.
func Open(r io.ReaderAt, size int64) (fsys.FS, error) {
	v, err := open(r, size)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func open(r io.ReaderAt, size int64) (*FS, error) {
	buf := make([]byte, headerSize)
	if _, err := r.ReadAt(buf, headerOffset); err != nil {
		return nil, fmt.Errorf("hfsplus: volume header at offset %d: %w", headerOffset, err)
	}
	if string(buf[:2]) == "BD" {
		off, err := embeddedOffset(buf)
		if err != nil {
			return nil, fmt.Errorf("hfsplus: %w", err)
		}
		if off <= 0 || off >= size {
			return nil, fmt.Errorf("hfsplus: HFS wrapper embeds a volume at offset %d, outside the %d-byte volume", off, size)
		}
		r, size = io.NewSectionReader(r, off, size-off), size-off
		if _, err := r.ReadAt(buf, headerOffset); err != nil {
			return nil, fmt.Errorf("hfsplus: embedded volume header: %w", err)
		}
	}
	h, err := parseVolumeHeader(buf)
	if err != nil {
		return nil, fmt.Errorf("hfsplus: volume header: %w", err)
	}
	if int64(h.totalBlocks)*int64(h.blockSize) > size+int64(h.blockSize) {
		return nil, fmt.Errorf("hfsplus: %d blocks of %d bytes do not fit the %d-byte volume (truncated image?)", h.totalBlocks, h.blockSize, size)
	}
	v := &FS{r: r, size: size, hdr: h, block: int64(h.blockSize)}
	if v.extentsTree, err = v.openTree("extents overflow", 3, h.extents, false); err != nil {
		return nil, fmt.Errorf("hfsplus: %w", err)
	}
	if err := v.loadOverflow(context.Background()); err != nil {
		return nil, fmt.Errorf("hfsplus: %w", err)
	}
	if v.catalogTree, err = v.openTree("catalog", 4, h.catalog, true); err != nil {
		return nil, fmt.Errorf("hfsplus: %w", err)
	}
	if h.attributes.logicalSize > 0 {
		if v.attributesTree, err = v.openTree("attributes", 8, h.attributes, true); err != nil {
			// Without attributes only compressed files are lost: say so on each.
			v.attributesErr = err
			v.attributesTree = nil
		}
	}
	return v, nil
}

// Type names the filesystem.
func (v *FS) Type() string {
	if v.hdr.signature == "HX" {
		return "hfsx"
	}
	return "hfsplus"
}

var errLoop = errors.New("B-tree node list loops")
