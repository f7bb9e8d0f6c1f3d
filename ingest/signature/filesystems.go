package signature

import "io"

// magic is a filesystem or volume-manager signature at a fixed offset.
type magic struct {
	name string
	off  int
	sig  string
}

// magics are the formats told by one fixed signature, from each format's
// own specification or kernel header (offsets into the region).
var magics = [...]magic{
	{"exFAT filesystem", 3, "EXFAT   "},
	{"ReFS filesystem", 3, "ReFS\x00\x00\x00\x00"},
	{"XFS filesystem", 0, "XFSB"},
	{"Btrfs filesystem", 0x10040, "_BHRfS_M"},
	{"F2FS filesystem", 1024, "\x10\x20\xf5\xf2"},
	{"ReiserFS filesystem", 0x10034, "ReIsErFs"},
	{"ReiserFS filesystem", 0x10034, "ReIsEr2Fs"},
	{"ReiserFS filesystem", 0x10034, "ReIsEr3Fs"},
	{"Reiser4 filesystem", 0x10000, "ReIsEr4"},
	{"JFS filesystem", 0x8000, "JFS1"},
	{"NILFS2 filesystem", 1024 + 6, "\x34\x34"},
	{"UFS1 filesystem", 8192 + 1372, "\x54\x19\x01\x00"},
	{"UFS1 filesystem", 8192 + 1372, "\x00\x01\x19\x54"},
	{"UFS2 filesystem", 65536 + 1372, "\x19\x01\x54\x19"},
	{"UFS2 filesystem", 65536 + 1372, "\x19\x54\x01\x19"},
	{"Linux swap space", 4096 - 10, "SWAPSPACE2"},
	{"Linux swap space", 4096 - 10, "SWAP-SPACE"},
	{"LVM2 physical volume", 512 + 24, "LVM2 001"},
	{"Linux RAID member", 4096, "\xfc\x4e\x2b\xa9"},
	{"bcache device", 4096 + 24, "\xc6\x85\x73\xf6\x4e\x1a\x45\xca\x82\x65\xf5\x7f\x48\xba\x6d\x81"},
	{"SquashFS filesystem", 0, "hsqs"},
	{"EROFS filesystem", 1024, "\xe2\xe1\xf5\xe0"},
}

// fixed matches the fixed-offset table, then ZFS, whose label keeps an
// array of uberblocks (magic 0x00bab10c, either byte order) from 128 KiB.
func fixed(b []byte, _ io.ReaderAt, _ int64) (Match, bool) {
	for _, m := range magics {
		if at(b, m.off, m.sig) {
			if m.name == "NILFS2 filesystem" && !nilfsRev(b) {
				continue
			}
			return Match{Name: m.name}, true
		}
	}
	for off := 128 << 10; off+8 <= min(len(b), 256<<10); off += 1 << 10 {
		if at(b, off, "\x0c\xb1\xba\x00\x00\x00\x00\x00") || at(b, off, "\x00\x00\x00\x00\x00\xba\xb1\x0c") {
			return Match{Name: "ZFS pool member"}, true
		}
	}
	return Match{}, false
}

// nilfsRev: a two-byte magic is too weak alone; NILFS2's revision level
// (offset 0 of the superblock, little-endian) is 2.
func nilfsRev(b []byte) bool {
	rev, ok := le32(b, 1024)
	return ok && rev == 2
}
