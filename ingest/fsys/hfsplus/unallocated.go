package hfsplus

import (
	"context"
	"fmt"
)

// Unallocated reports runs of blocks the allocation file marks free (a
// clear bit, most significant bit first), as volume byte ranges.
func (v *FS) Unallocated(ctx context.Context, fn func(offset, length int64) error) error {
	fr, err := v.fork(6, dataFork, v.hdr.allocation)
	if err != nil {
		return fmt.Errorf("hfsplus: allocation file: %w", err)
	}
	total := int64(v.hdr.totalBlocks)
	if fr.size*8 < total {
		return fmt.Errorf("hfsplus: allocation file of %d bytes maps %d of %d blocks", fr.size, fr.size*8, total)
	}
	buf := make([]byte, 64<<10)
	runStart := int64(-1)
	flush := func(end int64) error {
		if runStart < 0 {
			return nil
		}
		off, n := runStart*v.block, (end-runStart)*v.block
		runStart = -1
		n = min(n, v.size-off)
		if n <= 0 {
			return nil
		}
		return fn(off, n)
	}
	for base := int64(0); base < total; base += int64(len(buf)) * 8 {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := buf[:min(int64(len(buf)), (total-base+7)/8)]
		if _, err := fr.ReadAt(chunk, base/8); err != nil {
			return fmt.Errorf("hfsplus: allocation file at byte %d: %w", base/8, err)
		}
		for i, b := range chunk {
			for bit := range 8 {
				blk := base + int64(i)*8 + int64(bit)
				if blk >= total {
					break
				}
				if b&(0x80>>bit) == 0 {
					if runStart < 0 {
						runStart = blk
					}
				} else if err := flush(blk); err != nil {
					return err
				}
			}
		}
	}
	return flush(total)
}
