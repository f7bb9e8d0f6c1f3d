package volume

import (
	"errors"
	"fmt"
	"io"
)

// sector is the logical sector size MBR and GPT addresses count in. Disks
// with 4096-byte logical sectors are recognised for GPT only (see gpt.go).
const sector = 512

type readerAt = io.ReaderAt

// List returns the volumes of a disk of size bytes.
//
// Index numbering follows the Linux kernel, which is also the order TSK
// `mmls` prints data slots in: MBR primary partitions keep their slot
// number 1-4 (an empty slot leaves a gap), logical partitions of extended
// chains are numbered 5, 6, ... in chain order (mmls slot "001:000" is 5,
// "002:000" is 6, ...), GPT partitions keep their entry number from 1
// (empty entries leave gaps). Without a table there is one Volume with
// Index 0 and Scheme "none" covering the whole disk.
//
// Warnings report damage that was worked around: a GPT read from its backup
// header, entries clipped at or lying past the end of the disk, EBR loops.
// err is set only when nothing sensible can be returned.
func List(r io.ReaderAt, size int64) (vols []Volume, warnings []string, err error) {
	defer func() {
		// Parsing below is bounds-checked; this is the last line of defence
		// against hostile tables.
		if p := recover(); p != nil {
			vols, err = nil, fmt.Errorf("volume: internal error: %v", p)
		}
	}()
	whole := []Volume{{Index: 0, Offset: 0, Size: size, Scheme: "none"}}
	if size < sector {
		return whole, nil, nil
	}
	mbr := make([]byte, sector)
	if err := readFull(r, mbr, 0); err != nil {
		return nil, nil, fmt.Errorf("volume: reading sector 0: %w", err)
	}
	if mbr[510] != 0x55 || mbr[511] != 0xAA || isBootSector(mbr) {
		return whole, nil, nil
	}
	ents := parseMBREntries(mbr)
	if ents == nil {
		// Status bytes other than 0x00/0x80: boot code, not a table (TSK
		// rejects such a table the same way).
		return whole, nil, nil
	}
	for _, e := range ents {
		if e.typ == 0xEE {
			return listGPT(r, size)
		}
	}
	return listMBR(r, size, ents)
}

// readFull reads len(p) bytes at off; a short read is an error.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// clip fits [off, off+n) into the disk, saying what it changed. ok is false
// when nothing of the volume lies on the disk.
func clip(what string, off, n, size int64, warnings *[]string) (int64, bool) {
	if off >= size || off < 0 || n <= 0 {
		*warnings = append(*warnings, fmt.Sprintf("%s: starts at byte %d, past the end of the %d-byte disk: skipped", what, off, size))
		return 0, false
	}
	if n > size-off {
		*warnings = append(*warnings, fmt.Sprintf("%s: %d bytes at %d run past the end of the %d-byte disk: clipped to %d", what, n, off, size, size-off))
		n = size - off
	}
	return n, true
}
