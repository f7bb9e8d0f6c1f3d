package fat

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Attribute bits of a directory entry.
const (
	attrReadOnly = 0x01
	attrVolume   = 0x08
	attrDir      = 0x10
	attrArchive  = 0x20
	attrAll      = 0x3f
	attrLFN      = 0x0f
	slotDeleted  = 0xE5
	caseLowerAll = 0x18
	caseLowBase  = 0x08
	caseLowExt   = 0x10
)

// dirent is one short-name entry, with the long name that preceded it.
type dirent struct {
	name    string
	isDir   bool
	deleted bool
	inode   uint64
	cluster uint32
	size    int64
	raw     []byte // the 32-byte short entry, for times
}

// lfnBuf collects long-name parts as TSK does: entries arrive last part
// first, each is written backwards from the end of a 1024-byte buffer, and
// a new sequence starts at a "first" entry or a change of checksum.
type lfnBuf struct {
	name  [1024]byte
	start int
	chk   byte
}

func (l *lfnBuf) reset()        { l.start = len(l.name) - 1 }
func (l *lfnBuf) pending() bool { return l.start != len(l.name)-1 }
func (l *lfnBuf) put(b byte)    { l.name[l.start] = b; l.start-- }
func (l *lfnBuf) room() bool    { return l.start > 0 }
func (l *lfnBuf) units() []byte { return l.name[l.start+1:] }
func (l *lfnBuf) takeName() string {
	u := l.units()
	l.reset()
	return decodeUTF16(u)
}

func (l *lfnBuf) add(e []byte) {
	seq, chk := e[0], e[13]
	if (seq&0x40 != 0 && seq != slotDeleted) || chk != l.chk {
		l.reset()
		l.chk = chk
	}
	// part3 (28-31), part2 (14-25), part1 (1-10), each backwards.
	for _, part := range [][2]int{{28, 32}, {14, 26}, {1, 11}} {
		for i := part[1] - 1; i >= part[0]; i-- {
			if l.room() {
				l.put(e[i])
			}
		}
	}
}

// decodeUTF16 converts a little-endian UTF-16 long name up to its NUL.
// Unpaired surrogates become '^' and control characters '^', as fls prints
// them.
func decodeUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	var sb strings.Builder
	for _, r := range utf16.Decode(u) {
		switch {
		case r == utf8.RuneError || r < 0x20:
			sb.WriteByte('^')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// shortName renders the 8.3 name as TSK does: padding (0x00, 0xFF, space)
// dropped, a deleted first byte shown as '_', the NT lower-case flags
// applied, non-ASCII and control bytes as '^'.
func shortName(e []byte) string {
	var b []byte
	for i := 0; i < 8; i++ {
		c := e[i]
		if c == 0 || c == 0xff || c == ' ' {
			continue
		}
		switch {
		case i == 0 && c == slotDeleted:
			c = '_'
		case e[12]&caseLowBase != 0 && c >= 'A' && c <= 'Z':
			c += 32
		}
		b = append(b, c)
	}
	for i := 8; i < 11; i++ {
		c := e[i]
		if c == 0 || c == 0xff || c == ' ' {
			continue
		}
		if i == 8 {
			b = append(b, '.')
		}
		if e[12]&caseLowExt != 0 && c >= 'A' && c <= 'Z' {
			c += 32
		}
		b = append(b, c)
	}
	for i, c := range b {
		if c > 0x7e || c < 0x20 {
			b[i] = '^'
		}
	}
	return string(b)
}

// lfnChecksum is the VFAT checksum of an 11-byte short name.
func lfnChecksum(name []byte) byte {
	var s byte
	for _, c := range name[:11] {
		s = (s&1)<<7 + s>>1 + c
	}
	return s
}

func (fs *FS) entryCluster(e []byte) uint32 {
	c := uint32(binary.LittleEndian.Uint16(e[26:]))
	if fs.g.kind == "fat32" {
		c |= uint32(binary.LittleEndian.Uint16(e[20:])) << 16
	}
	return c & fs.g.mask
}

func isDate(d uint16) bool {
	day, mon := d&0x1f, (d>>5)&0x0f
	return day >= 1 && day <= 31 && mon >= 1 && mon <= 12
}

func isTime(t uint16) bool {
	return t&0x1f <= 30 && (t>>5)&0x3f <= 59 && t>>11 <= 23
}

// isDentry is TSK's fatxxfs_is_dentry: basic tests for entries in
// allocated directory sectors, all tests for those in unallocated ones or
// in a directory whose first four entries were all invalid.
func (fs *FS) isDentry(e []byte, basicOnly bool) bool {
	attr := e[11]
	if attr&attrLFN == attrLFN {
		seq := e[0]
		return seq <= 0x40|0x0f || seq == slotDeleted
	}
	u16 := func(o int) uint16 { return binary.LittleEndian.Uint16(e[o:]) }
	ctime, cdate, adate, wtime, wdate := u16(14), u16(16), u16(18), u16(22), u16(24)
	if !basicOnly {
		switch {
		case e[12]&^caseLowerAll != 0, attr&^attrAll != 0:
			return false
		case attr&attrVolume != 0 && attr&(attrDir|attrReadOnly|attrArchive) != 0:
			return false
		case ctime != 0 && !isTime(ctime), wtime != 0 && !isTime(wtime):
			return false
		case cdate != 0 && !isDate(cdate), e[13] > 200:
			return false
		case adate != 0 && !isDate(adate), wdate != 0 && !isDate(wdate):
			return false
		}
	}
	clust := fs.entryCluster(e)
	size := int64(binary.LittleEndian.Uint32(e[28:]))
	g := fs.g
	switch {
	case clust > g.lastClust && !fs.t.isEOF(clust):
		return false
	case size > int64(g.lastClust-1)*g.clusterBytes():
		return false
	case size > 0 && clust == 0:
		return false
	case ctime == 0 && wtime == 0 && cdate == 0 && adate == 0 && wdate == 0 && clust == 0 && size == 0:
		return false
	}
	return true
}
