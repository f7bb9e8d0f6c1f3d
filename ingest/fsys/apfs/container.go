// Package apfs reads APFS containers (Apple File System Reference): the
// container superblock and its latest valid checkpoint, the container
// object map, every volume superblock, each volume's object map and
// filesystem B-tree (inodes, directory records, file extents, extended
// attributes for decmpfs compression and resource forks) and the volume's
// snapshot list. It is read-only and offset-based; every block address,
// count and length is checked before it is used, and every object's
// checksum is verified.
package apfs

import (
	"fmt"
	"io"
)

// nx_superblock_t fields this reader uses.
const (
	nxMagic        = "NXSB"
	nxBlockSizeAt  = 36
	nxBlockCount   = 40
	nxXPDescBlocks = 104
	nxXPDescBase   = 112
	nxOmapOID      = 160
	nxMaxFSAt      = 180
	nxFSOIDs       = 184
	nxMaxVolumes   = 100

	minBlockSize = 4096
	maxBlockSize = 64 << 10
)

// Probe recognises a container superblock at the start of a volume.
func Probe(head []byte) bool {
	return len(head) >= 40 && string(head[32:36]) == nxMagic
}

// container is an opened container at its latest checkpoint.
type container struct {
	r          io.ReaderAt
	size       int64
	blockSize  uint32
	blockCount uint64 // blocks the image holds
	declared   uint64 // blocks the superblock declares, when more than that
	xid        uint64
	nx         []byte // the checkpoint's container superblock
	// The checkpoint descriptor area, where the checkpoint maps that
	// place ephemeral objects (the space manager) are.
	descBase, descBlocks uint64
	omap                 *omap
}

// openContainer reads block 0, then takes the container superblock of
// the highest transaction from the checkpoint descriptor area whose
// checksum holds; block 0 itself is the fallback.
func openContainer(r io.ReaderAt, size int64) (*container, error) {
	head := make([]byte, minBlockSize)
	if m, err := r.ReadAt(head, 0); m < len(head) {
		return nil, fmt.Errorf("apfs: container superblock: short read (%d bytes): %v", m, err)
	}
	if !Probe(head) {
		return nil, fmt.Errorf("apfs: no container superblock (magic %q)", head[32:36])
	}
	bs := le.Uint32(head[nxBlockSizeAt:])
	if bs < minBlockSize || bs > maxBlockSize || bs&(bs-1) != 0 {
		return nil, fmt.Errorf("apfs: block size %d is not a power of two from 4 KiB to 64 KiB", bs)
	}
	c := &container{r: r, size: size, blockSize: bs, blockCount: le.Uint64(head[nxBlockCount:])}
	// A truncated image is still read: what lies past its end is an
	// error on the objects and files that need it, and a note.
	if held := uint64(size) / uint64(bs); c.blockCount > held {
		c.declared, c.blockCount = c.blockCount, held
	}
	nx0, err := c.readBlock(0)
	if err != nil {
		return nil, fmt.Errorf("apfs: container superblock: %w", err)
	}
	best, bestErr := nx0, error(nil)
	if _, err := checkObject(nx0, objTypeNXSuperblock); err != nil {
		best, bestErr = nil, fmt.Errorf("block 0: %w", err)
	}
	// The descriptor area is contiguous unless the high bit of its block
	// count is set (then a B-tree maps it, which Apple does not write).
	descBlocks, descBase := le.Uint32(nx0[nxXPDescBlocks:]), le.Uint64(nx0[nxXPDescBase:])
	if descBlocks&0x80000000 == 0 && descBlocks <= 1<<16 {
		c.descBase, c.descBlocks = descBase, uint64(descBlocks)
		for i := uint64(0); i < uint64(descBlocks); i++ {
			b, err := c.readBlock(descBase + i)
			if err != nil || string(b[32:36]) != nxMagic {
				continue
			}
			h, err := checkObject(b, objTypeNXSuperblock)
			if err != nil {
				continue
			}
			if best == nil || h.xid > parseObjHeader(best).xid {
				best = b
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("apfs: no valid container superblock in block 0 or the checkpoint area: %w", bestErr)
	}
	if le.Uint32(best[nxBlockSizeAt:]) != bs {
		return nil, fmt.Errorf("apfs: checkpoint superblock of xid %d has block size %d, block 0 %d", parseObjHeader(best).xid, le.Uint32(best[nxBlockSizeAt:]), bs)
	}
	c.nx, c.xid = best, parseObjHeader(best).xid
	if c.omap, err = c.openOmap(le.Uint64(best[nxOmapOID:]), c.xid); err != nil {
		return nil, fmt.Errorf("apfs: container object map: %w", err)
	}
	return c, nil
}

// volumeOIDs lists the virtual object ids of the container's volumes.
func (c *container) volumeOIDs() []uint64 {
	n := min(le.Uint32(c.nx[nxMaxFSAt:]), nxMaxVolumes)
	var out []uint64
	for i := range n {
		if oid := le.Uint64(c.nx[nxFSOIDs+8*i:]); oid != 0 {
			out = append(out, oid)
		}
	}
	return out
}
