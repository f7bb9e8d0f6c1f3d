package filetype

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
)

// Builders for hand-made headers: the smallest bytes each format's spec
// allows, so a table row reads as "what the magic is", not as hex.

func cat(parts ...string) []byte { return []byte(strings.Join(parts, "")) }

func u32be(v uint32) string { return string(binary.BigEndian.AppendUint32(nil, v)) }
func u32le(v uint32) string { return string(binary.LittleEndian.AppendUint32(nil, v)) }
func u16le(v uint16) string { return string(binary.LittleEndian.AppendUint16(nil, v)) }

// ftyp is an ftyp box with the given brands, followed by an mdat header.
func ftyp(major string, compat ...string) []byte {
	size := uint32(16 + 4*len(compat))
	return cat(u32be(size), "ftyp", major, "\x00\x00\x02\x00", strings.Join(compat, ""), u32be(1000), "mdat")
}

// ftypSized is an ftyp box whose size field lies.
func ftypSized(size uint32, major string) []byte {
	return cat(u32be(size), "ftyp", major, "\x00\x00\x00\x00", "isomiso2", u32be(8), "free")
}

// ebml is an EBML header as mkvmerge writes it, with the given DocType.
func ebml(docType string) []byte {
	body := cat(
		"\x42\x86\x81\x01", // EBMLVersion 1
		"\x42\xF7\x81\x01", // EBMLReadVersion 1
		"\x42\xF2\x81\x04", // EBMLMaxIDLength 4
		"\x42\xF3\x81\x08", // EBMLMaxSizeLength 8
		"\x42\x82", string([]byte{0x80 | byte(len(docType))}), docType,
		"\x42\x87\x81\x04", // DocTypeVersion 4
		"\x42\x85\x81\x02", // DocTypeReadVersion 2
	)
	return cat("\x1A\x45\xDF\xA3", string([]byte{0x80 | byte(len(body))}), string(body), "\x18\x53\x80\x67\x01\x00\x00\x00\x00\x00\x10\x00")
}

// tsPackets is n MPEG-TS packets of the given size; each begins with prefix
// bytes of timestamp (M2TS) and carries payload only.
func tsPackets(n, size, prefix int) []byte {
	var b []byte
	for range n {
		p := make([]byte, size)
		copy(p[prefix:], "\x47\x40\x00\x10")
		for i := prefix + 4; i < size; i++ {
			p[i] = 0xFF
		}
		b = append(b, p...)
	}
	return b
}

// bmpHeader is a 2x2 24-bit bitmap header with the given DIB header size.
func bmpHeader(dib uint32) []byte {
	off := 14 + dib
	h := cat("BM", u32le(off+16), "\x00\x00\x00\x00", u32le(off), u32le(dib))
	if dib == 12 {
		h = append(h, cat(u16le(2), u16le(2), u16le(1), u16le(24))...)
	} else {
		h = append(h, cat(u32le(2), u32le(2), u16le(1), u16le(24))...)
	}
	for len(h) < int(off)+16 {
		h = append(h, 0)
	}
	return h
}

// mp3Frames is n MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz, 417 bytes each.
func mp3Frames(n int) []byte {
	var b []byte
	for range n {
		f := make([]byte, 417)
		copy(f, "\xFF\xFB\x90\x64")
		b = append(b, f...)
	}
	return b
}

// asf is an ASF header object holding stream GUIDs.
func asf(streams ...string) []byte {
	return cat(asfHeaderGUID, u32le(200), u32le(0), u32le(uint32(len(streams))), "\x01\x02",
		"\x91\x07\xDC\xB7\xB7\xA9\xCF\x11\x8E\xE6\x00\xC0\x0C\x20\x53\x65", // Stream Properties Object
		strings.Join(streams, ""))
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func utf16LE(s string) []byte {
	b := []byte("\xFF\xFE")
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

func utf16BE(s string) []byte {
	b := []byte("\xFE\xFF")
	for _, r := range s {
		b = binary.BigEndian.AppendUint16(b, uint16(r))
	}
	return b
}
