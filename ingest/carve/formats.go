package carve

import (
	"bytes"
	"encoding/binary"
)

// jpegSize walks JPEG segments: markers with lengths up to a start of scan,
// then entropy-coded data (where 0xFF is stuffed as FF 00 and restart markers
// FF D0-D7 may appear) up to the next marker, until the end of image.
func jpegSize(w *window, off int64) int64 {
	p := off + 2
	sawScan := false
	for p-off < MaxSize {
		m := w.bytes(p, 2)
		if m == nil || m[0] != 0xFF {
			return 0
		}
		marker := m[1]
		switch {
		case marker == 0xFF: // fill byte
			p++
			continue
		case marker == 0xD9:
			if !sawScan {
				return 0
			}
			return p + 2 - off
		case marker >= 0xD0 && marker <= 0xD7, marker == 0x01:
			p += 2
			continue
		case marker < 0xC0:
			return 0
		}
		l := w.bytes(p+2, 2)
		if l == nil {
			return 0
		}
		segLen := int64(binary.BigEndian.Uint16(l))
		if segLen < 2 {
			return 0
		}
		p += 2 + segLen
		if marker != 0xDA {
			continue
		}
		sawScan = true
		q, ok := skipEntropy(w, p, off+MaxSize)
		if !ok {
			return 0
		}
		p = q
	}
	return 0
}

// skipEntropy returns the offset of the first real marker after scan data.
func skipEntropy(w *window, p, limit int64) (int64, bool) {
	var chunk [4096]byte
	for p < limit && p < w.limit {
		n := int(min(int64(len(chunk)), w.limit-p))
		k, _ := w.r.ReadAt(chunk[:n], p)
		if k == 0 {
			return 0, false
		}
		for i := 0; i < k; i++ {
			if chunk[i] != 0xFF {
				continue
			}
			if i+1 >= k {
				break // look again from this 0xFF in the next read
			}
			b := chunk[i+1]
			if b == 0x00 || (b >= 0xD0 && b <= 0xD7) || b == 0xFF {
				i++
				continue
			}
			return p + int64(i), true
		}
		if k > 1 && chunk[k-1] == 0xFF {
			p += int64(k - 1)
		} else {
			p += int64(k)
		}
	}
	return 0, false
}

// pngSize walks chunks (length, type, data, CRC) until IEND.
func pngSize(w *window, off int64) int64 {
	p := off + 8
	first := true
	for n := 0; n < 1<<20 && p-off < MaxSize; n++ {
		h := w.bytes(p, 8)
		if h == nil {
			return 0
		}
		l := int64(binary.BigEndian.Uint32(h[:4]))
		typ := h[4:8]
		for _, c := range typ {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return 0
			}
		}
		if first && string(typ) != "IHDR" {
			return 0
		}
		first = false
		p += 12 + l
		if string(typ) == "IEND" {
			if w.bytes(p-4, 4) == nil { // IEND's data and CRC must be there too
				return 0
			}
			return p - off
		}
	}
	return 0
}

// gifSize walks the GIF block structure to its trailer.
func gifSize(w *window, off int64) int64 {
	h := w.bytes(off, 13)
	if h == nil || !(bytes.Equal(h[:6], []byte("GIF87a")) || bytes.Equal(h[:6], []byte("GIF89a"))) {
		return 0
	}
	p := off + 13
	if h[10]&0x80 != 0 {
		p += 3 << (h[10]&7 + 1)
	}
	images := 0
	for p-off < MaxSize {
		b := w.bytes(p, 1)
		if b == nil {
			return 0
		}
		switch b[0] {
		case 0x3B:
			if images == 0 {
				return 0
			}
			return p + 1 - off
		case 0x21: // extension: label, then sub-blocks
			p += 2
		case 0x2C: // image descriptor, local table, LZW code size, sub-blocks
			d := w.bytes(p, 10)
			if d == nil {
				return 0
			}
			p += 10
			images++
			if d[9]&0x80 != 0 {
				p += 3 << (d[9]&7 + 1)
			}
			p++
		default:
			return 0
		}
		var ok bool
		if p, ok = skipSubBlocks(w, p, off+MaxSize); !ok {
			return 0
		}
	}
	return 0
}

func skipSubBlocks(w *window, p, limit int64) (int64, bool) {
	for p < limit {
		b := w.bytes(p, 1)
		if b == nil {
			return 0, false
		}
		p += 1 + int64(b[0])
		if b[0] == 0 {
			return p, true
		}
	}
	return 0, false
}

// bmpSize trusts the file header's size only when the rest of the header is
// consistent with it.
func bmpSize(w *window, off int64) int64 {
	h := w.bytes(off, 18)
	if h == nil {
		return 0
	}
	size := int64(binary.LittleEndian.Uint32(h[2:6]))
	reserved := binary.LittleEndian.Uint32(h[6:10])
	pixels := int64(binary.LittleEndian.Uint32(h[10:14]))
	dib := binary.LittleEndian.Uint32(h[14:18])
	if reserved != 0 || size < 26 || pixels < 26 || pixels >= size {
		return 0
	}
	switch dib {
	case 12, 40, 52, 56, 108, 124:
	default:
		return 0
	}
	if off+size > w.limit {
		return 0
	}
	return size
}

// webpSize reads the RIFF length of a WebP container.
func webpSize(w *window, off int64) int64 {
	h := w.bytes(off, 16)
	if h == nil || string(h[8:12]) != "WEBP" {
		return 0
	}
	switch string(h[12:16]) {
	case "VP8 ", "VP8L", "VP8X":
	default:
		return 0
	}
	size := int64(binary.LittleEndian.Uint32(h[4:8])) + 8
	if size < 20 || off+size > w.limit {
		return 0
	}
	return size
}
