package volume

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf16"
)

// maxGPTEntryBytes caps the partition-entry array we read: 128 entries of
// 128 bytes is the norm; 1 MiB allows 8192 and bounds hostile headers.
const maxGPTEntryBytes = 1 << 20

type gptHeader struct {
	lba        int64 // where this header is
	entriesLBA int64
	count      int64
	entrySize  int64
	entriesCRC uint32
	alternate  int64
}

// listGPT reads the primary GPT (LBA 1) or, when its header or entry array
// fails its CRC, the backup at the last LBA. 4096-byte sectors are tried
// when no header is found at 512.
func listGPT(r readerAt, size int64) ([]Volume, []string, error) {
	var warnings []string
	for _, ss := range []int64{sector, 4096} {
		last := size/ss - 1
		if last < 2 {
			continue
		}
		h, ents, perr := readGPT(r, size, ss, 1)
		if perr == nil {
			return gptVolumes(h, ents, ss, size, warnings)
		}
		alt := last
		if h != nil && h.alternate > 1 && h.alternate <= last {
			alt = h.alternate // header fine, entries damaged: its backup
		}
		bh, bents, berr := readGPT(r, size, ss, alt)
		if berr == nil {
			warnings = append(warnings, fmt.Sprintf("gpt: primary table damaged (%v): using the backup header at LBA %d", perr, alt))
			return gptVolumes(bh, bents, ss, size, warnings)
		}
		if ss == sector && !isNoHeader(perr) {
			return nil, warnings, fmt.Errorf("volume: gpt: primary (%v) and backup at LBA %d (%v) both damaged", perr, alt, berr)
		}
	}
	return nil, warnings, fmt.Errorf("volume: protective MBR but no GPT header found")
}

type noHeader struct{ lba int64 }

func (e noHeader) Error() string { return fmt.Sprintf("no EFI PART signature at LBA %d", e.lba) }

func isNoHeader(err error) bool { _, ok := err.(noHeader); return ok }

// readGPT reads and checks the header at lba and its entry array. On an
// entry-array error the parsed header is still returned for its backup LBA.
func readGPT(r readerAt, size, ss, lba int64) (*gptHeader, []byte, error) {
	buf := make([]byte, ss)
	if lba*ss+ss > size {
		return nil, nil, fmt.Errorf("header LBA %d past the end of the disk", lba)
	}
	if err := readFull(r, buf, lba*ss); err != nil {
		return nil, nil, fmt.Errorf("reading header at LBA %d: %w", lba, err)
	}
	if string(buf[:8]) != "EFI PART" {
		return nil, nil, noHeader{lba}
	}
	hsize := int64(le32(buf[12:]))
	if hsize < 92 || hsize > ss {
		return nil, nil, fmt.Errorf("header at LBA %d: size %d", lba, hsize)
	}
	want := le32(buf[16:])
	hdr := append([]byte(nil), buf[:hsize]...)
	copy(hdr[16:20], []byte{0, 0, 0, 0})
	if got := crc32.ChecksumIEEE(hdr); got != want {
		return nil, nil, fmt.Errorf("header at LBA %d: CRC32 %08x, stored %08x", lba, got, want)
	}
	h := &gptHeader{
		lba:        lba,
		alternate:  int64(le64(buf[32:]) & (1<<62 - 1)),
		entriesLBA: int64(le64(buf[72:]) & (1<<62 - 1)),
		count:      int64(le32(buf[80:])),
		entrySize:  int64(le32(buf[84:])),
		entriesCRC: le32(buf[88:]),
	}
	if h.entrySize < 128 || h.entrySize%8 != 0 || h.entrySize > maxGPTEntryBytes || h.count > maxGPTEntryBytes/h.entrySize {
		return h, nil, fmt.Errorf("header at LBA %d: %d entries of %d bytes", lba, h.count, h.entrySize)
	}
	n := h.count * h.entrySize
	if h.entriesLBA*ss+n > size || h.entriesLBA < 1 {
		return h, nil, fmt.Errorf("entry array at LBA %d past the end of the disk", h.entriesLBA)
	}
	ents := make([]byte, n)
	if err := readFull(r, ents, h.entriesLBA*ss); err != nil {
		return h, nil, fmt.Errorf("reading entry array at LBA %d: %w", h.entriesLBA, err)
	}
	if got := crc32.ChecksumIEEE(ents); got != h.entriesCRC {
		return h, nil, fmt.Errorf("entry array at LBA %d: CRC32 %08x, stored %08x", h.entriesLBA, got, h.entriesCRC)
	}
	return h, ents, nil
}

func gptVolumes(h *gptHeader, ents []byte, ss, size int64, warnings []string) ([]Volume, []string, error) {
	var vols []Volume
	for i := int64(0); i < h.count; i++ {
		e := ents[i*h.entrySize : i*h.entrySize+128]
		typ := e[0:16]
		if allZero(typ) {
			continue
		}
		first, last := le64(e[32:]), le64(e[40:])
		idx := int(i + 1)
		if last < first || first > uint64(size/ss) {
			warnings = append(warnings, fmt.Sprintf("gpt partition %d: LBAs %d-%d do not fit the disk: skipped", idx, first, last))
			continue
		}
		off := int64(first) * ss
		n, ok := clip(fmt.Sprintf("gpt partition %d", idx), off, int64(last-first+1)*ss, size, &warnings)
		if !ok {
			continue
		}
		vols = append(vols, Volume{Index: idx, Offset: off, Size: n, Scheme: "gpt", Type: guidString(typ), Name: utf16Name(e[56:128])})
	}
	return vols, warnings, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// guidString formats a GPT GUID: the first three fields are little-endian.
func guidString(b []byte) string {
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16]))
}

func utf16Name(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := uint16(b[i]) | uint16(b[i+1])<<8
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
