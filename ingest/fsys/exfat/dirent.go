package exfat

import (
	"encoding/binary"
	"time"
	"unicode/utf16"
)

// Directory entry types with the in-use bit (0x80) set; a deleted entry
// has the same type with the bit cleared.
const (
	typeInUse   = 0x80
	typeBitmap  = 0x81
	typeUpcase  = 0x82
	typeLabel   = 0x83
	typeFile    = 0x85
	typeStream  = 0xC0
	typeName    = 0xC1
	attrDir     = 0x10
	flagNoChain = 0x02 // stream GeneralSecondaryFlags: clusters are contiguous
	nameChars   = 15   // UTF-16 units per file name entry
)

// rawEntry is one 32-byte directory entry and where it lies.
type rawEntry struct {
	b     []byte
	inode uint64
	alloc bool // its cluster is marked in use in the bitmap
}

// entrySet is a file directory entry (0x85) with its stream extension
// (0xC0) and file name entries (0xC1), in use or deleted.
type entrySet struct {
	name    string
	inode   uint64 // TSK's address: that of the file entry
	isDir   bool
	deleted bool // an in-use bit is cleared, or the entries lie in free clusters
	first   uint32
	size    int64 // DataLength
	valid   int64 // ValidDataLength
	noChain bool
	file    []byte // the 0x85 entry
}

// parseSets groups a directory's entries into entry sets. A file entry
// begins a set; the stream and name entries that follow with the same
// in-use state belong to it (as TSK groups them); a set broken off early
// keeps the name read so far. Entries of other types end a set.
func parseSets(ents []rawEntry) []entrySet {
	var out []entrySet
	for i := 0; i < len(ents); i++ {
		e := ents[i]
		if e.b[0]&^typeInUse != typeFile&^typeInUse {
			continue
		}
		inUse := e.b[0]&typeInUse != 0
		secondaries := int(e.b[1])
		j := i + 1
		if secondaries < 2 || j >= len(ents) || ents[j].b[0] != stream(inUse) {
			continue
		}
		st := ents[j].b
		set := entrySet{
			inode:   e.inode,
			isDir:   binary.LittleEndian.Uint16(e.b[4:])&attrDir != 0,
			deleted: !inUse || !e.alloc,
			noChain: st[1]&flagNoChain != 0,
			valid:   int64(binary.LittleEndian.Uint64(st[8:]) & (1<<63 - 1)),
			first:   binary.LittleEndian.Uint32(st[20:]),
			size:    int64(binary.LittleEndian.Uint64(st[24:]) & (1<<63 - 1)),
			file:    e.b,
		}
		nameLen := int(st[3])
		var units []uint16
		for j++; j <= i+secondaries && j < len(ents) && ents[j].b[0] == nameType(inUse) && len(units) < nameLen; j++ {
			for k := 0; k < nameChars && len(units) < nameLen; k++ {
				units = append(units, binary.LittleEndian.Uint16(ents[j].b[2+2*k:]))
			}
		}
		i = j - 1
		set.name = string(utf16.Decode(units))
		if set.name == "" || set.name == "." || set.name == ".." {
			continue
		}
		out = append(out, set)
	}
	return out
}

func stream(inUse bool) byte {
	if inUse {
		return typeStream
	}
	return typeStream &^ typeInUse
}

func nameType(inUse bool) byte {
	if inUse {
		return typeName
	}
	return typeName &^ typeInUse
}

// Timestamps of a file entry: offsets of the 32-bit DOS-style stamp, its
// 10 ms increment (0 when it has none) and its UTC offset byte.
const (
	createStamp, createInc, createUTC = 8, 20, 22
	modStamp, modInc, modUTC          = 12, 21, 23
	accessStamp, accessUTC            = 16, 24
	noInc                             = -1
)

// stamp decodes one timestamp. The stamp is local time; when the offset
// byte's valid bit (0x80) is set, its low seven bits are a signed count of
// 15-minute steps east of UTC and are applied, giving the true instant.
// Without it the wall-clock value is taken as UTC, as TSK does with TZ=UTC.
// An impossible date gives the zero time.
func stamp(file []byte, at, inc, utc int) time.Time {
	v := binary.LittleEndian.Uint32(file[at:])
	date, tm := uint16(v>>16), uint16(v)
	month, day := int(date>>5&0x0f), int(date&0x1f)
	if month < 1 || month > 12 || day < 1 {
		return time.Time{}
	}
	sec := int(tm&0x1f) * 2
	var nsec int
	if inc != noInc {
		cs := int(file[inc])
		if cs < 200 {
			sec += cs / 100
			nsec = cs % 100 * 10_000_000
		}
	}
	t := time.Date(1980+int(date>>9), time.Month(month), day, int(tm>>11), int(tm>>5&0x3f), sec, nsec, time.UTC)
	if off := file[utc]; off&0x80 != 0 {
		steps := int(int8(off<<1) >> 1) // sign-extend 7 bits
		t = t.Add(-time.Duration(steps) * 15 * time.Minute)
	}
	return t
}

// label decodes a volume label entry (0x83): up to 11 UTF-16 units.
func label(e []byte) string {
	n := min(int(e[1]), 11)
	units := make([]uint16, n)
	for k := range units {
		units[k] = binary.LittleEndian.Uint16(e[2+2*k:])
	}
	return string(utf16.Decode(units))
}
