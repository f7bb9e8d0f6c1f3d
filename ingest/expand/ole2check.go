package expand

import (
	"encoding/binary"
	"fmt"
	"io"
)

// ole2Check bounds an OLE2 compound file's header and its directory and
// mini stream chains before mscfb reads it: mscfb sizes its tables from
// header counts it does not check against the file (a forged DIFAT count
// made it allocate gigabytes), computes sector offsets in 32 bits, and
// follows rising sector chains without a bound. Every count must fit in
// the file and both chains must stay in it without looping, so what
// mscfb then allocates is a small multiple of the file's size.
func ole2Check(r io.ReaderAt, size int64) error {
	var h [512]byte
	if size < int64(len(h)) {
		return fmt.Errorf("%d-byte file is shorter than the 512-byte OLE2 header", size)
	}
	if size > 1<<32 {
		return fmt.Errorf("%d-byte compound file: past the 4 GiB the OLE2 reader addresses", size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return fmt.Errorf("reading the OLE2 header: %w", err)
	}
	le := binary.LittleEndian
	shift := le.Uint16(h[30:])
	if shift != 9 && shift != 12 {
		return fmt.Errorf("OLE2 sector shift %d, not 9 or 12: damaged header", shift)
	}
	sector := int64(1) << shift
	sectors := (size+sector-1)/sector - 1 // after the header's sector
	for _, c := range []struct {
		what string
		at   int
	}{{"directory", 40}, {"FAT", 44}, {"mini FAT", 64}, {"DIFAT", 72}} {
		if n := int64(le.Uint32(h[c.at:])); n > sectors {
			return fmt.Errorf("OLE2 header counts %d %s sectors in a file of %d: damaged header", n, c.what, sectors)
		}
	}
	fat, err := ole2FATSectors(r, h[:], sector, sectors)
	if err != nil {
		return err
	}
	next := func(sn uint32) (uint32, error) {
		per := uint32(sector / 4)
		if int(sn/per) >= len(fat) {
			return 0, fmt.Errorf("OLE2 sector %d past the FAT's %d sectors: damaged chain", sn, len(fat))
		}
		var b [4]byte
		if _, err := r.ReadAt(b[:], (int64(fat[sn/per])+1)*sector+4*int64(sn%per)); err != nil {
			return 0, fmt.Errorf("reading the OLE2 FAT entry of sector %d: %w", sn, err)
		}
		return le.Uint32(b[:]), nil
	}
	dirStart := le.Uint32(h[48:])
	if err := ole2Chain("directory", dirStart, sectors, next); err != nil {
		return err
	}
	var root [128]byte
	if _, err := r.ReadAt(root[:], (int64(dirStart)+1)*sector); err != nil {
		return fmt.Errorf("reading the OLE2 root entry: %w", err)
	}
	if mini := le.Uint32(root[116:]); mini != ole2EndOfChain && le.Uint32(h[60:]) != ole2EndOfChain && le.Uint32(h[64:]) != 0 {
		return ole2Chain("mini stream", mini, sectors, next)
	}
	return nil
}

const ole2EndOfChain = 0xFFFFFFFE

// ole2FATSectors lists where the FAT's sectors are: the first 109 in the
// header, the rest in the DIFAT sectors' chain. Unused slots are dropped.
func ole2FATSectors(r io.ReaderAt, h []byte, sector, sectors int64) ([]uint32, error) {
	le := binary.LittleEndian
	numFAT := int(le.Uint32(h[44:]))
	fat := make([]uint32, 0, numFAT)
	add := func(b []byte) {
		for i := 0; i+4 <= len(b) && len(fat) < numFAT; i += 4 {
			fat = append(fat, le.Uint32(b[i:]))
		}
	}
	add(h[76:512])
	buf := make([]byte, sector)
	sn := le.Uint32(h[68:])
	for i := uint32(0); i < le.Uint32(h[72:]) && len(fat) < numFAT; i++ {
		if int64(sn) >= sectors {
			return nil, fmt.Errorf("OLE2 DIFAT sector %d of %d past the file's %d sectors: damaged header", i, le.Uint32(h[72:]), sectors)
		}
		if _, err := r.ReadAt(buf, (int64(sn)+1)*sector); err != nil {
			return nil, fmt.Errorf("reading OLE2 DIFAT sector %d: %w", sn, err)
		}
		add(buf[:sector-4])
		sn = le.Uint32(buf[sector-4:])
	}
	for i, s := range fat {
		if int64(s) >= sectors {
			fat = fat[:i] // a chain reaching past here is refused by next
			break
		}
	}
	return fat, nil
}

// ole2Chain follows a sector chain to its end: it must stay in the file
// and visit no sector twice.
func ole2Chain(what string, start uint32, sectors int64, next func(uint32) (uint32, error)) error {
	seen := make(map[uint32]bool)
	for sn := start; sn != ole2EndOfChain; {
		if int64(sn) >= sectors {
			return fmt.Errorf("OLE2 %s chain reaches sector %d of a %d-sector file: damaged", what, sn, sectors)
		}
		if seen[sn] {
			return fmt.Errorf("OLE2 %s chain loops at sector %d: damaged", what, sn)
		}
		seen[sn] = true
		var err error
		if sn, err = next(sn); err != nil {
			return fmt.Errorf("OLE2 %s chain: %w", what, err)
		}
	}
	return nil
}
