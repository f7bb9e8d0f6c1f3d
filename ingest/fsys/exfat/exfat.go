package exfat

import (
	"context"
	"errors"
	"fmt"
	"io"

	"scrim/ingest/fsys"
)

// FS is an opened exFAT volume. Walk and Unallocated may run while earlier
// Walks' File.Content readers are in use.
type FS struct {
	r      io.ReaderAt
	size   int64
	g      *geometry
	fat    *fatTable
	bitmap bitmap
	label  string
	// backupBoot says the main boot region was damaged and the backup
	// region (sectors 12-23) was used.
	backupBoot error
}

// Open reads the boot region of the volume r (size bytes), falling back to
// the backup boot region when the main one fails its checks, then the root
// directory's allocation bitmap and label. A volume shorter than it
// declares (a truncated image) still opens; what lies past the end reads as
// errors on the files concerned.
func Open(r io.ReaderAt, size int64) (fsys.FS, error) {
	g, backupErr, err := readBoot(r)
	if err != nil {
		return nil, fmt.Errorf("exfat: %w", err)
	}
	fs := &FS{r: r, size: size, g: g, fat: newFATTable(r, g), backupBoot: backupErr}
	if fatEnd := fs.fat.start + fs.fat.size; fatEnd > size {
		return nil, fmt.Errorf("exfat: FAT ends at byte %d, past the %d-byte volume", fatEnd, size)
	}
	root, rootErr := fs.rootEntries()
	if len(root) == 0 {
		return nil, fmt.Errorf("exfat: root directory at cluster %d: %w", g.rootCluster, rootErr)
	}
	var bmFirst uint32
	var bmLen int64
	found := false
	for _, e := range root {
		switch e.b[0] {
		case typeBitmap:
			// With two FATs (TexFAT) there are two bitmaps; flag bit 0
			// says which FAT each belongs to.
			if !found && int64(e.b[1]&1) == g.activeFAT {
				bmFirst, bmLen, found = leU32(e.b[20:]), int64(leU64(e.b[24:])&(1<<63-1)), true
			}
		case typeLabel:
			fs.label = label(e.b)
		}
	}
	if !found {
		return nil, fmt.Errorf("exfat: root directory at cluster %d has no allocation bitmap entry", g.rootCluster)
	}
	bm, err := fs.readBitmap(bmFirst, bmLen)
	if err != nil {
		return nil, fmt.Errorf("exfat: %w", err)
	}
	fs.bitmap = bm
	return fs, nil
}

// readBoot finds a boot region that passes its checks: the main one, else
// the backup. backupErr is why the main one was passed over.
func readBoot(r io.ReaderAt) (g *geometry, backupErr, err error) {
	g, mainErr := bootRegion(r, 0, 0)
	if mainErr == nil {
		return g, nil, nil
	}
	// The backup region starts at sector 12 in sectors of the size the
	// damaged main sector may no longer say.
	var errs []error
	for shift := 9; shift <= 12; shift++ {
		g, err := bootRegion(r, 12<<shift, 1<<shift)
		if err == nil {
			return g, fmt.Errorf("main boot region: %w", mainErr), nil
		}
		errs = append(errs, err)
	}
	return nil, nil, fmt.Errorf("main boot region: %w; backup boot region: %w", mainErr, errors.Join(errs...))
}

// bootRegion checks the 12-sector boot region at off; bps is the sector
// size expected there, or 0 to take the boot sector's word.
func bootRegion(r io.ReaderAt, off int64, bps int) (*geometry, error) {
	sect := make([]byte, 512)
	if err := readFull(r, sect, off); err != nil {
		return nil, fmt.Errorf("reading boot sector at byte %d: %w", off, err)
	}
	g, err := parseBoot(sect)
	if err != nil {
		return nil, err
	}
	if bps != 0 && int(g.bps) != bps {
		return nil, fmt.Errorf("boot sector at byte %d declares %d-byte sectors", off, g.bps)
	}
	region := make([]byte, 12*g.bps)
	if err := readFull(r, region, off); err != nil {
		return nil, fmt.Errorf("reading boot region at byte %d: %w", off, err)
	}
	if err := checkRegion(region, int(g.bps)); err != nil {
		return nil, err
	}
	return g, nil
}

// Type is "exfat".
func (fs *FS) Type() string { return "exfat" }

// Label is the volume label from the root directory, "" when none.
func (fs *FS) Label() string { return fs.label }

// Damage says what was wrong with the volume's own structures that did not
// stop it opening (a main boot region that failed its checks), or nil.
func (fs *FS) Damage() error { return fs.backupBoot }

// Unallocated reports runs of clusters free in the allocation bitmap as
// volume byte offsets, clipped to the volume.
func (fs *FS) Unallocated(ctx context.Context, fn func(offset, length int64) error) error {
	g := fs.g
	for c := uint32(2); c <= g.lastCluster(); {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, n := fs.bitmap.freeRun(c, g.lastCluster())
		if n == 0 {
			return nil
		}
		off := g.clusterOffset(s)
		l := min(int64(n)*g.clusterBytes(), fs.size-off)
		if l <= 0 {
			return nil
		}
		if err := fn(off, l); err != nil {
			return err
		}
		c = s + n
		if c < s {
			return nil // wrapped past the last cluster number
		}
	}
	return nil
}

func leU32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func leU64(b []byte) uint64 { return uint64(leU32(b)) | uint64(leU32(b[4:]))<<32 }
