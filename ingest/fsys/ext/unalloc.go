package ext

import (
	"context"
	"fmt"
)

// bgBlockUninit marks a group whose block bitmap was never written: all
// its blocks are free apart from metadata, which is not modelled here.
const bgBlockUninit = 0x2

// Unallocated reports runs of free blocks from the block bitmaps.
func (v *FS) Unallocated(ctx context.Context, fn func(offset, length int64) error) error {
	bpg := int64(v.sb.BlockPerGroup)
	first := int64(v.sb.FirstDataBlock)
	start := int64(-1)
	emit := func(end int64) error {
		if start < 0 {
			return nil
		}
		s := start
		start = -1
		return fn(s*v.blockSize, (end-s)*v.blockSize)
	}
	buf := make([]byte, v.blockSize)
	for gi, g := range v.groups {
		if err := ctx.Err(); err != nil {
			return err
		}
		base := first + int64(gi)*bpg
		if base >= v.blocks {
			break
		}
		uninit := g.flags&bgBlockUninit != 0
		if !uninit {
			if g.blockBitmap <= 0 || g.blockBitmap >= v.blocks {
				return fmt.Errorf("ext: group %d block bitmap at block %d outside the volume", gi, g.blockBitmap)
			}
			if _, err := v.r.ReadAt(buf, g.blockBitmap*v.blockSize); err != nil {
				return fmt.Errorf("ext: group %d block bitmap: %w", gi, err)
			}
		}
		for i := int64(0); i < bpg && base+i < v.blocks && i < v.blockSize*8; i++ {
			free := uninit || buf[i/8]&(1<<(i%8)) == 0
			if free {
				if start < 0 {
					start = base + i
				}
			} else if err := emit(base + i); err != nil {
				return err
			}
		}
	}
	return emit(v.blocks)
}
