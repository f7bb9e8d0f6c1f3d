package filetype

import (
	"bytes"
	"encoding/binary"
)

func isWAV(b []byte) bool { return (at(b, 0, "RIFF") || at(b, 0, "RF64")) && at(b, 8, "WAVE") }

func isPDF(b []byte) bool { return at(b, 0, "%PDF-") }

// isZIP also takes the empty-archive and spanned-archive signatures. Office
// documents, JARs and APKs are ZIPs too.
func isZIP(b []byte) bool {
	return at(b, 0, "PK\x03\x04") || at(b, 0, "PK\x05\x06") || at(b, 0, "PK\x07\x08")
}

func isGzip(b []byte) bool { return at(b, 0, "\x1F\x8B\x08") }

func is7z(b []byte) bool { return at(b, 0, "7z\xBC\xAF\x27\x1C") }

func isRAR(b []byte) bool { return at(b, 0, "Rar!\x1A\x07\x00") || at(b, 0, "Rar!\x1A\x07\x01\x00") }

// isOLE2 is the compound file of legacy Office documents, MSI and Thumbs.db.
func isOLE2(b []byte) bool { return at(b, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") }

func isSQLite(b []byte) bool { return at(b, 0, "SQLite format 3\x00") }

func isELF(b []byte) bool { return at(b, 0, "\x7FELF") }

// isPE takes an MZ header whose new-header offset points at a PE (or older
// NE/LE/LX) signature, or a plain DOS header; text that happens to start
// with "MZ" has no NUL in its first 64 bytes, every real header does.
func isPE(b []byte) bool {
	if !at(b, 0, "MZ") || len(b) < 64 {
		return false
	}
	if off := int64(le32(b, 0x3C)); off+4 <= int64(len(b)) {
		o := int(off)
		if at(b, o, "PE\x00\x00") || at(b, o, "NE") || at(b, o, "LE") || at(b, o, "LX") {
			return true
		}
	}
	return bytes.IndexByte(b[:64], 0) >= 0
}

// isMP3 takes an ID3v2 tag, or MPEG audio frame headers that chain: the
// frame sync is only 11 bits, so one header alone is too easy to fake.
func isMP3(b []byte) bool {
	if at(b, 0, "ID3") {
		return len(b) >= 10 && b[3] >= 2 && b[3] <= 4 && b[4] != 0xFF
	}
	p := 0
	for frames := 0; frames < 3; frames++ {
		n := mp3FrameLen(b[p:])
		if n == 0 {
			return false
		}
		p += n
		if p+4 > len(b) {
			return true // the head ends before the next header
		}
	}
	return true
}

// mp3FrameLen returns the length of the MPEG audio frame starting at b[0],
// or 0 when b does not start with a valid frame header.
func mp3FrameLen(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0
	}
	version := b[1] >> 3 & 3 // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
	layer := b[1] >> 1 & 3   // 0: reserved, 1: III, 2: II, 3: I
	rateIdx, srIdx, pad := b[2]>>4, b[2]>>2&3, int(b[2]>>1&1)
	if version == 1 || layer == 0 || rateIdx == 0 || rateIdx == 15 || srIdx == 3 || b[3]&3 == 2 {
		return 0 // reserved values, or free format whose length we cannot know
	}
	kbps := [5][15]int{
		{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}, // MPEG-1 layer I
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},    // MPEG-1 layer II
		{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},     // MPEG-1 layer III
		{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},    // MPEG-2/2.5 layer I
		{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},         // MPEG-2/2.5 layer II, III
	}
	row := 3 - int(layer) // layer I, II, III -> 0, 1, 2
	if version != 3 {
		row = min(3+row, 4)
	}
	bitrate := kbps[row][rateIdx] * 1000
	rate := [3]int{44100, 48000, 32000}[srIdx]
	switch version {
	case 2:
		rate /= 2
	case 0:
		rate /= 4
	}
	switch {
	case layer == 3:
		return (12*bitrate/rate + pad) * 4
	case layer == 1 && version != 3:
		return 72*bitrate/rate + pad
	}
	return 144*bitrate/rate + pad
}

// isUTF16Text wants a byte-order mark and then code units that are neither
// NUL, nor control characters, nor broken surrogate pairs; audio or random
// data fails within a few dozen units.
func isUTF16Text(b []byte) bool {
	var bigEndian bool
	switch {
	case at(b, 0, "\xFF\xFE"):
	case at(b, 0, "\xFE\xFF"):
		bigEndian = true
	default:
		return false
	}
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(b[i])<<8 | uint16(b[i+1])
		}
		return uint16(b[i+1])<<8 | uint16(b[i])
	}
	for i := 2; i+1 < len(b); i += 2 {
		u := unit(i)
		switch {
		case u < 0x20 && !isTextControl(byte(u)):
			return false // includes NUL
		case u >= 0xDC00 && u < 0xE000:
			return false // low surrogate without a high one
		case u >= 0xD800 && u < 0xDC00:
			i += 2
			if i+1 < len(b) && (unit(i) < 0xDC00 || unit(i) >= 0xE000) {
				return false
			}
		}
	}
	return true
}

// isText is the last resort: no NUL, at most 1% control characters, and
// either valid UTF-8 or mostly ASCII (legacy 8-bit code pages). It counts
// by table, without a branch per byte (binary heads made the branches
// mispredict: 2 µs a file), and stops at the first block that settles no.
func isText(b []byte) bool {
	var high, ctrl int
	for rest := b; len(rest) > 0; {
		n := min(len(rest), textBlock)
		var counts uint64 // 16-bit fields: high, control, NUL (textWeight)
		block := rest[:n]
		for ; len(block) >= 8; block = block[8:] {
			// Eight printable ASCII bytes at once, the common case in
			// text, count nothing.
			x := binary.LittleEndian.Uint64(block)
			if ((x-0x20*ones)&^x|(x+ones)|x)&(0x80*ones) == 0 {
				continue
			}
			for _, c := range block[:8] {
				counts += textWeight[c]
			}
		}
		for _, c := range block {
			counts += textWeight[c]
		}
		rest = rest[n:]
		high += int(counts & 0xFFFF)
		ctrl += int(counts >> 16 & 0xFFFF)
		if counts>>32 != 0 || ctrl*100 > len(b) {
			return false
		}
	}
	return high == 0 || validUTF8(b) || high*10 <= len(b)
}

// ones has 1 in each byte: x*ones is byte x in each.
const ones = 0x0101010101010101

// textBlock bytes are counted in the 16-bit fields of textWeight at once.
const textBlock = 256

// textWeight counts a byte for isText: 1 for a high byte (>= 0x80), 1<<16
// for a control character text does not use, 1<<32 for NUL.
var textWeight = func() (w [256]uint64) {
	for c := range 256 {
		switch {
		case c == 0:
			w[c] = 1 << 32
		case c >= 0x80:
			w[c] = 1
		case c < 0x20 && !isTextControl(byte(c)), c == 0x7F:
			w[c] = 1 << 16
		}
	}
	return w
}()

// isTextControl is the control characters real text uses: whitespace,
// backspace, ANSI escape, DOS end-of-file.
func isTextControl(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', '\b', 0x1A, 0x1B:
		return true
	}
	return false
}
