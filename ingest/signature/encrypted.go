package signature

import "io"

// bitLockerGUID identifies BitLocker metadata in the volume header
// (4967D63B-2E29-4AD8-8399-F6A339E3D001 in on-disk byte order).
const bitLockerGUID = "\x3b\xd6\x67\x49\x29\x2e\xd8\x4a\x83\x99\xf6\xa3\x39\xe3\xd0\x01"

// bitLocker: Vista and later replace the NTFS OEM id with "-FVE-FS-".
// BitLocker To Go keeps a FAT boot sector ("MSWIN4.1") so older Windows can
// run the reader tool; it is told apart from a plain FAT volume by the
// BitLocker GUID at 424 or the FVE metadata block its header points to.
func bitLocker(b []byte, r io.ReaderAt, size int64) (Match, bool) {
	if at(b, 3, "-FVE-FS-") {
		return Match{Name: "BitLocker encrypted volume", Encrypted: true}, true
	}
	if !at(b, 0, "\xeb\x58\x90MSWIN4.1") {
		return Match{}, false
	}
	if at(b, 424, bitLockerGUID) {
		return Match{Name: "BitLocker To Go encrypted volume", Encrypted: true}, true
	}
	if off, ok := le64(b, 440); ok && off > 0 && int64(off) < size-8 {
		sig := make([]byte, 8)
		if n, _ := r.ReadAt(sig, int64(off)); n == 8 && string(sig) == "-FVE-FS-" {
			return Match{Name: "BitLocker To Go encrypted volume", Encrypted: true}, true
		}
	}
	return Match{}, false
}

// luks: "LUKS\xba\xbe" and a big-endian version, 1 or 2.
func luks(b []byte, _ io.ReaderAt, _ int64) (Match, bool) {
	if !at(b, 0, "LUKS\xba\xbe") {
		return Match{}, false
	}
	switch v, _ := be16(b, 6); v {
	case 1:
		return Match{Name: "LUKS1 encrypted volume", Encrypted: true}, true
	case 2:
		return Match{Name: "LUKS2 encrypted volume", Encrypted: true}, true
	}
	return Match{Name: "LUKS encrypted volume", Encrypted: true}, true
}
