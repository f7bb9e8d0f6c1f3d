package expand

import (
	"encoding/binary"
	"errors"
	"unicode/utf16"
)

// Binary property lists ("bplist00") are how iOS and iTunes write
// Manifest.plist. Only what the encryption check needs is read: the
// top-level dictionary's boolean values. Layout (Apple's CFBinaryPList.c):
// objects, then a table of their offsets, then a 32-byte trailer giving
// the offset and reference sizes, the object count, the top object and
// where the offset table starts. An object starts with a marker byte: high
// nibble the type (0x0 null/bool, 0x5 ASCII, 0x6 UTF-16BE, 0xD dict), low
// nibble its count, 0xF meaning an int object follows with the count.

var errBplist = errors.New("damaged binary plist")

type bplist struct {
	b                  []byte
	offSize, refSize   int
	numObjects, offTab uint64
}

// bplistTopBool returns the boolean the top-level dictionary of a binary
// plist gives key, and whether it gives one.
func bplistTopBool(b []byte, key string) (value, found bool, err error) {
	if len(b) < 8+32 || string(b[:8]) != "bplist00" {
		return false, false, errBplist
	}
	t := b[len(b)-32:]
	p := bplist{b: b, offSize: int(t[6]), refSize: int(t[7]),
		numObjects: binary.BigEndian.Uint64(t[8:]), offTab: binary.BigEndian.Uint64(t[24:])}
	top := binary.BigEndian.Uint64(t[16:])
	if p.offSize < 1 || p.offSize > 8 || p.refSize < 1 || p.refSize > 8 || top >= p.numObjects ||
		p.offTab >= uint64(len(b)) || p.numObjects > (uint64(len(b))-p.offTab)/uint64(p.offSize) {
		return false, false, errBplist
	}
	off, err := p.offset(top)
	if err != nil {
		return false, false, err
	}
	if b[off]>>4 != 0xD {
		return false, false, errBplist // the top object is no dictionary
	}
	n, at, err := p.count(off)
	if err != nil {
		return false, false, err
	}
	if n > p.numObjects || at+2*n*uint64(p.refSize) > uint64(len(b)) {
		return false, false, errBplist
	}
	for i := uint64(0); i < n; i++ {
		k, err := p.string(p.uint(at+i*uint64(p.refSize), p.refSize))
		if err != nil || k != key {
			continue
		}
		voff, err := p.offset(p.uint(at+(n+i)*uint64(p.refSize), p.refSize))
		if err != nil {
			return false, false, err
		}
		switch b[voff] {
		case 0x08:
			return false, true, nil
		case 0x09:
			return true, true, nil
		}
		return false, false, errBplist
	}
	return false, false, nil
}

// uint reads a big-endian unsigned integer of size bytes at off, which the
// callers have checked lies inside b.
func (p *bplist) uint(off uint64, size int) uint64 {
	var v uint64
	for _, c := range p.b[off : off+uint64(size)] {
		v = v<<8 | uint64(c)
	}
	return v
}

// offset is where object ref starts; it lies before the offset table.
func (p *bplist) offset(ref uint64) (uint64, error) {
	if ref >= p.numObjects {
		return 0, errBplist
	}
	off := p.uint(p.offTab+ref*uint64(p.offSize), p.offSize)
	if off < 8 || off >= p.offTab {
		return 0, errBplist
	}
	return off, nil
}

// count reads the count of the object at off and where its data starts.
func (p *bplist) count(off uint64) (n, data uint64, err error) {
	n = uint64(p.b[off] & 0xF)
	if n != 0xF {
		return n, off + 1, nil
	}
	if off+2 > p.offTab || p.b[off+1]>>4 != 0x1 {
		return 0, 0, errBplist
	}
	size := 1 << (p.b[off+1] & 0xF)
	if size > 8 || off+2+uint64(size) > p.offTab {
		return 0, 0, errBplist
	}
	return p.uint(off+2, size), off + 2 + uint64(size), nil
}

// string reads object ref as a string.
func (p *bplist) string(ref uint64) (string, error) {
	off, err := p.offset(ref)
	if err != nil {
		return "", err
	}
	n, at, err := p.count(off)
	if err != nil {
		return "", err
	}
	switch p.b[off] >> 4 {
	case 0x5:
		if n > p.offTab-at {
			return "", errBplist
		}
		return string(p.b[at : at+n]), nil
	case 0x6:
		if n > (p.offTab-at)/2 {
			return "", errBplist
		}
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(p.b[at+2*uint64(i):])
		}
		return string(utf16.Decode(u)), nil
	}
	return "", errBplist
}
