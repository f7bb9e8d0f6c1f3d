package ntfs

import (
	"context"
	"errors"
	"fmt"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// bitmapRecord is the MFT record of $Bitmap, one bit per cluster.
const bitmapRecord = 6

// loadBitmap opens $Bitmap's $DATA; it is read on demand, never whole.
func (v *FS) loadBitmap() error {
	err := guard("$Bitmap", func() error {
		e, err := v.ctx.GetMFT(bitmapRecord)
		if err != nil {
			return err
		}
		rr, err := parser.OpenStream(v.ctx, e, parser.ATTR_TYPE_DATA, parser.WILDCARD_STREAM_ID, "")
		if err != nil {
			return err
		}
		v.bitmap = rr
		v.bitmapSize = (v.clusters + 7) / 8
		return nil
	})
	if err != nil {
		return fmt.Errorf("ntfs: %w", err)
	}
	return nil
}

// bitmapChunk reads bitmap bytes [off, off+n), guarded.
func (v *FS) bitmapChunk(off, n int64) ([]byte, error) {
	buf := make([]byte, n)
	err := guard("$Bitmap", func() error {
		got, err := v.bitmap.ReadAt(buf, off)
		if int64(got) < n {
			if err == nil {
				err = errors.New("short read")
			}
			return fmt.Errorf("byte %d: %w", off+int64(got), err)
		}
		return nil
	})
	return buf, err
}

// allFree reports whether clusters [start, start+n) are all unallocated.
func (v *FS) allFree(start, n int64) (bool, error) {
	const chunk = 64 << 10
	for c := start; c < start+n; {
		first := c / 8
		last := min((start+n-1)/8, first+chunk-1)
		buf, err := v.bitmapChunk(first, last-first+1)
		if err != nil {
			return false, err
		}
		for ; c < start+n && c/8 <= last; c++ {
			if buf[c/8-first]&(1<<(c%8)) != 0 {
				return false, nil
			}
		}
	}
	return true, nil
}

// Unallocated reports runs of free clusters as volume byte ranges.
func (v *FS) Unallocated(ctx context.Context, fn func(offset, length int64) error) error {
	const chunk = 64 << 10
	runStart := int64(-1)
	emit := func(end int64) error {
		if runStart < 0 {
			return nil
		}
		s := runStart
		runStart = -1
		return fn(s*v.clusterSize, (end-s)*v.clusterSize)
	}
	for first := int64(0); first < v.bitmapSize; first += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf, err := v.bitmapChunk(first, min(chunk, v.bitmapSize-first))
		if err != nil {
			return fmt.Errorf("ntfs: %w", err)
		}
		for i, b := range buf {
			for bit := int64(0); bit < 8; bit++ {
				c := (first+int64(i))*8 + bit
				if c >= v.clusters {
					break
				}
				if b&(1<<bit) == 0 {
					if runStart < 0 {
						runStart = c
					}
				} else if err := emit(c); err != nil {
					return err
				}
			}
		}
	}
	return emit(v.clusters)
}
