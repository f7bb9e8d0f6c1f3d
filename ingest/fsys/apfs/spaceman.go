package apfs

import (
	"context"
	"fmt"
)

// The space manager (spaceman_phys_t) is an ephemeral object: a
// checkpoint map (checkpoint_map_phys_t) of the latest checkpoint gives
// its block. Its main device lists chunk-info blocks (through chunk-info
// address blocks when there are many); each chunk_info_t names a chunk's
// first block, its block count and its bitmap block, one bit per block,
// set when in use, least significant bit first. A chunk without a bitmap
// block is all free.
const (
	objTypeSpaceman      = 0x05
	objTypeSpacemanCAB   = 0x06
	objTypeSpacemanCIB   = 0x07
	objTypeCheckpointMap = 0x0c

	nxSpacemanOID = 152

	cpmCount   = 36
	cpmMap     = 40
	cpmEntry   = 40
	cpmSize    = 8
	cpmOID     = 24
	cpmPaddr   = 32
	smBlockSz  = 32
	smBlocksPC = 36
	smChunkCnt = 56
	smCIBCount = 64
	smCABCount = 68
	smAddrOff  = 80
	cibCount   = 36
	cibInfo    = 40
	ciSize     = 32
	cabCount   = 36
	cabAddrs   = 40
)

// spaceman finds and reads the space manager of the latest checkpoint.
func (c *container) spaceman() ([]byte, error) {
	oid := le.Uint64(c.nx[nxSpacemanOID:])
	for i := uint64(0); i < c.descBlocks; i++ {
		b, err := c.readBlock(c.descBase + i)
		if err != nil {
			continue
		}
		h, err := checkObject(b, objTypeCheckpointMap)
		if err != nil || h.xid != c.xid {
			continue
		}
		n := int(le.Uint32(b[cpmCount:]))
		if cpmMap+n*cpmEntry > len(b) {
			return nil, fmt.Errorf("checkpoint map at block %d: %d entries do not fit", c.descBase+i, n)
		}
		for j := range n {
			e := b[cpmMap+j*cpmEntry:]
			if le.Uint64(e[cpmOID:]) != oid {
				continue
			}
			if size := le.Uint32(e[cpmSize:]); size != c.blockSize {
				return nil, fmt.Errorf("space manager of %d bytes; only one-block space managers are read", size)
			}
			return c.readObject(le.Uint64(e[cpmPaddr:]), objTypeSpaceman)
		}
	}
	return nil, fmt.Errorf("space manager (object %d) is in no checkpoint map of transaction %d", oid, c.xid)
}

// chunkInfoBlocks lists the blocks of the main device's chunk-info
// blocks, through its chunk-info address blocks when it has them.
func (c *container) chunkInfoBlocks(sm []byte) ([]uint64, error) {
	cibs, cabs := int(le.Uint32(sm[smCIBCount:])), int(le.Uint32(sm[smCABCount:]))
	off := int(le.Uint32(sm[smAddrOff:]))
	n := cibs
	if cabs > 0 {
		n = cabs
	}
	if off < 0 || off+8*n > len(sm) {
		return nil, fmt.Errorf("space manager: %d addresses at offset %d overrun its block", n, off)
	}
	addrs := make([]uint64, n)
	for i := range addrs {
		addrs[i] = le.Uint64(sm[off+8*i:])
	}
	if cabs == 0 {
		return addrs, nil
	}
	var out []uint64
	for _, a := range addrs {
		b, err := c.readObject(a, objTypeSpacemanCAB)
		if err != nil {
			return nil, fmt.Errorf("chunk-info address block: %w", err)
		}
		k := int(le.Uint32(b[cabCount:]))
		if cabAddrs+8*k > len(b) || len(out)+k > cibs {
			return nil, fmt.Errorf("chunk-info address block %d: %d addresses", a, k)
		}
		for i := range k {
			out = append(out, le.Uint64(b[cabAddrs+8*i:]))
		}
	}
	return out, nil
}

// Unallocated reports the runs of blocks the space manager's bitmaps
// mark free, as container byte ranges, in increasing order.
func (fs *FS) Unallocated(ctx context.Context, fn func(offset, length int64) error) error {
	c := fs.c
	sm, err := c.spaceman()
	if err != nil {
		return fmt.Errorf("apfs: free space: %w", err)
	}
	if le.Uint32(sm[smBlockSz:]) != c.blockSize {
		return fmt.Errorf("apfs: space manager block size %d, container %d", le.Uint32(sm[smBlockSz:]), c.blockSize)
	}
	perChunk := uint64(le.Uint32(sm[smBlocksPC:]))
	if perChunk != uint64(c.blockSize)*8 {
		return fmt.Errorf("apfs: space manager: %d blocks per chunk, a bitmap block maps %d", perChunk, c.blockSize*8)
	}
	cibs, err := c.chunkInfoBlocks(sm)
	if err != nil {
		return fmt.Errorf("apfs: %w", err)
	}
	bs := int64(c.blockSize)
	runStart, next := int64(-1), uint64(0)
	flush := func(end int64) error {
		if runStart < 0 {
			return nil
		}
		// A truncated image has no bytes past its end to carve.
		end = min(end, int64(c.blockCount))
		off, n := runStart*bs, (end-runStart)*bs
		runStart = -1
		if n <= 0 {
			return nil
		}
		return fn(off, n)
	}
	chunks := le.Uint64(sm[smChunkCnt:])
	var seen uint64
	for _, a := range cibs {
		b, err := c.readObject(a, objTypeSpacemanCIB)
		if err != nil {
			return fmt.Errorf("apfs: chunk-info block: %w", err)
		}
		k := int(le.Uint32(b[cibCount:]))
		if cibInfo+ciSize*k > len(b) {
			return fmt.Errorf("apfs: chunk-info block %d: %d entries do not fit", a, k)
		}
		for i := range k {
			if err := ctx.Err(); err != nil {
				return err
			}
			if seen++; seen > chunks {
				return fmt.Errorf("apfs: space manager lists more than its %d chunks", chunks)
			}
			ci := b[cibInfo+ciSize*i:]
			first, count, bitmap := le.Uint64(ci[8:]), uint64(le.Uint32(ci[16:])), le.Uint64(ci[24:])
			if first != next || count > perChunk || first+count > max(c.blockCount, c.declared) {
				return fmt.Errorf("apfs: chunk %d of chunk-info block %d covers blocks %d+%d, expected from %d within %d", i, a, first, count, next, max(c.blockCount, c.declared))
			}
			next = first + count
			var bits []byte
			if bitmap != 0 {
				if bits, err = c.readBlock(bitmap); err != nil {
					return fmt.Errorf("apfs: chunk bitmap: %w", err)
				}
			}
			for j := uint64(0); j < count; j++ {
				blk := int64(first + j)
				if bits == nil || bits[j/8]&(1<<(j%8)) == 0 {
					if runStart < 0 {
						runStart = blk
					}
				} else if err := flush(blk); err != nil {
					return err
				}
			}
		}
	}
	return flush(int64(next))
}
