package volume

import "fmt"

// mbrEntry is one 16-byte partition-table slot.
type mbrEntry struct {
	slot  int
	typ   byte
	start uint32 // LBA, relative to the table's base
	count uint32 // sectors
}

// maxEBR bounds an extended chain: far more logical partitions than any
// tool creates, few enough that a hostile chain cannot stall us.
const maxEBR = 1024

// parseMBREntries returns the four slots of a table sector, or nil when a
// status byte is neither 0x00 nor 0x80, which means boot code rather than a
// table.
func parseMBREntries(sec []byte) []mbrEntry {
	ents := make([]mbrEntry, 4)
	for i := range ents {
		b := sec[446+16*i : 446+16*i+16]
		if b[0] != 0x00 && b[0] != 0x80 {
			return nil
		}
		ents[i] = mbrEntry{slot: i, typ: b[4], start: le32(b[8:]), count: le32(b[12:])}
	}
	return ents
}

func isExtended(t byte) bool { return t == 0x05 || t == 0x0f || t == 0x85 }

func listMBR(r readerAt, size int64, ents []mbrEntry) ([]Volume, []string, error) {
	var vols []Volume
	var warnings []string
	logical := 5
	for _, e := range ents {
		if e.typ == 0 || e.count == 0 {
			continue // empty slot
		}
		if isExtended(e.typ) {
			vols = append(vols, walkExtended(r, size, int64(e.start), &logical, &warnings)...)
			continue
		}
		if v, ok := mbrVolume(e.slot+1, int64(e.start), e, size, &warnings); ok {
			vols = append(vols, v)
		}
	}
	return vols, warnings, nil
}

func mbrVolume(index int, lba int64, e mbrEntry, size int64, warnings *[]string) (Volume, bool) {
	off := lba * sector
	n, ok := clip(fmt.Sprintf("mbr partition %d", index), off, int64(e.count)*sector, size, warnings)
	if !ok {
		return Volume{}, false
	}
	return Volume{Index: index, Offset: off, Size: n, Scheme: "mbr", Type: fmt.Sprintf("0x%02x", e.typ)}, true
}

// walkExtended follows the EBR chain of an extended partition starting at
// LBA base. Data entries are relative to their own EBR, link entries to the
// extended partition's start, as in the MBR spec and TSK's dos.c.
func walkExtended(r readerAt, size, base int64, logical *int, warnings *[]string) []Volume {
	var vols []Volume
	seen := map[int64]bool{}
	buf := make([]byte, sector)
	for ebr, hops := base, 0; ; hops++ {
		if hops >= maxEBR {
			*warnings = append(*warnings, fmt.Sprintf("mbr: extended chain longer than %d tables: stopped", maxEBR))
			return vols
		}
		if seen[ebr] {
			*warnings = append(*warnings, fmt.Sprintf("mbr: extended chain loops back to LBA %d: stopped", ebr))
			return vols
		}
		seen[ebr] = true
		if ebr*sector+sector > size {
			*warnings = append(*warnings, fmt.Sprintf("mbr: extended table at LBA %d lies past the end of the disk", ebr))
			return vols
		}
		if err := readFull(r, buf, ebr*sector); err != nil {
			*warnings = append(*warnings, fmt.Sprintf("mbr: reading extended table at LBA %d: %v", ebr, err))
			return vols
		}
		if buf[510] != 0x55 || buf[511] != 0xAA {
			*warnings = append(*warnings, fmt.Sprintf("mbr: extended table at LBA %d has no 0x55AA signature", ebr))
			return vols
		}
		ents := parseMBREntries(buf)
		if ents == nil {
			*warnings = append(*warnings, fmt.Sprintf("mbr: extended table at LBA %d has invalid status bytes", ebr))
			return vols
		}
		next := int64(-1)
		for _, e := range ents {
			if e.typ == 0 || e.count == 0 {
				continue
			}
			if isExtended(e.typ) {
				if next < 0 {
					next = base + int64(e.start)
				}
				continue
			}
			if v, ok := mbrVolume(*logical, ebr+int64(e.start), e, size, warnings); ok {
				vols = append(vols, v)
			}
			*logical++
		}
		if next < 0 {
			return vols
		}
		ebr = next
	}
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 {
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}
