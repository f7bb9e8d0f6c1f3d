// Package signature names what lies in a region of a disk that no reader
// of Scrim claimed: a filesystem Scrim cannot read yet (HFS+, APFS, XFS,
// Btrfs...), an encrypted volume (BitLocker, LUKS, FileVault), or, with no
// signature at all, data whose statistics say it is probably encrypted.
// The examiner is told what was not read instead of seeing an opaque file.
package signature

import (
	"encoding/binary"
	"io"
)

// Match is what a region holds.
type Match struct {
	Name      string // a noun phrase for notes: "HFS+ filesystem", "LUKS2 encrypted volume"...
	Encrypted bool   // its content is ciphertext: carving finds only noise
}

// HeadSize is how much of a region the signature table looks at: ZFS keeps
// its uberblocks 128-256 KiB in.
const HeadSize = 256 << 10

// signature is one row of the table: a matcher over the region's head and,
// for formats that point elsewhere (APFS), the region itself.
type signature struct {
	match func(head []byte, r io.ReaderAt, size int64) (Match, bool)
}

// signatures are tried in order; encrypted formats first, since a
// BitLocker To Go header is also a FAT boot sector.
var signatures = [...]signature{
	{bitLocker},
	{luks},
	{coreStorage},
	{apfs},
	{hfsPlus},
	{fixed},
}

// Identify returns what the region r (size bytes) starts with. ok is false
// when no known signature is there; read errors count as "not found" since
// the caller reports the region as unrecognised either way.
func Identify(r io.ReaderAt, size int64) (m Match, ok bool) {
	head := make([]byte, min(HeadSize, max(size, 0)))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	for _, s := range signatures {
		if m, ok := s.match(head, r, size); ok {
			return m, true
		}
	}
	return Match{}, false
}

// at reports whether b holds s at off.
func at(b []byte, off int, s string) bool {
	return off >= 0 && off+len(s) <= len(b) && string(b[off:off+len(s)]) == s
}

func le16(b []byte, off int) (uint16, bool) {
	if off < 0 || off+2 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b[off:]), true
}

func le32(b []byte, off int) (uint32, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}

func le64(b []byte, off int) (uint64, bool) {
	if off < 0 || off+8 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[off:]), true
}

func be16(b []byte, off int) (uint16, bool) {
	if off < 0 || off+2 > len(b) {
		return 0, false
	}
	return binary.BigEndian.Uint16(b[off:]), true
}

func be32(b []byte, off int) (uint32, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return binary.BigEndian.Uint32(b[off:]), true
}
