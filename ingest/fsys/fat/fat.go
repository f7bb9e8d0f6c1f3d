package fat

import (
	"context"
	"fmt"
	"io"

	"scrim/ingest/fsys"
)

// FS is an opened FAT volume. It is not safe for concurrent Walks (the FAT
// page cache is shared); the File.Content readers are safe to use after the
// Walk that produced them.
type FS struct {
	r    io.ReaderAt
	size int64
	g    *geometry
	t    *table
}

// Open reads the boot sector of the volume r (size bytes) and returns the
// filesystem. The declared geometry must fit a boot sector's limits; a
// volume shorter than it declares (a truncated image) still opens, and what
// lies past the end reads as errors on the files concerned.
func Open(r io.ReaderAt, size int64) (fsys.FS, error) {
	boot := make([]byte, 512)
	if err := readFull(r, boot, 0); err != nil {
		return nil, fmt.Errorf("fat: reading boot sector: %w", err)
	}
	if boot[510] != 0x55 || boot[511] != 0xAA {
		return nil, fmt.Errorf("fat: boot sector has no 0x55AA signature")
	}
	g, err := parseBPB(boot)
	if err != nil {
		return nil, fmt.Errorf("fat: %w", err)
	}
	if fatEnd := (g.reserved + g.fatSectors) * g.bps; fatEnd > size {
		return nil, fmt.Errorf("fat: first FAT ends at byte %d, past the %d-byte volume", fatEnd, size)
	}
	return &FS{r: r, size: size, g: g, t: newTable(r, g)}, nil
}

// Type is "fat12", "fat16" or "fat32" by cluster count.
func (fs *FS) Type() string { return fs.g.kind }

// Unallocated reports runs of free clusters (FAT entry 0) as volume byte
// offsets, clipped to the volume.
func (fs *FS) Unallocated(ctx context.Context, fn func(offset, length int64) error) error {
	g := fs.g
	var runStart, runLen int64
	flush := func() error {
		if runLen == 0 {
			return nil
		}
		n := min(runLen, fs.size-runStart)
		runLen = 0
		if n <= 0 {
			return nil
		}
		return fn(runStart, n)
	}
	for c := uint32(2); c <= g.lastClust; c++ {
		if c%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		a, err := fs.t.allocated(c)
		if err != nil {
			return fmt.Errorf("fat: cluster %d: %w", c, err)
		}
		if a {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		off := g.clusterOffset(c)
		if runLen > 0 && runStart+runLen == off {
			runLen += g.clusterBytes()
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		runStart, runLen = off, g.clusterBytes()
	}
	return flush()
}
