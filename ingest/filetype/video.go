package filetype

import (
	"bytes"
	"math/bits"
	"strings"
)

func isAVI(b []byte) bool { return at(b, 0, "RIFF") && at(b, 8, "AVI ") }

// ASF (WMV, WMA) starts with the Header Object GUID. Stream Properties
// objects in the header name each stream's media type by GUID; a header with
// audio streams and no video stream is WMA.
const (
	asfHeaderGUID = "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C"
	asfVideoGUID  = "\xC0\xEF\x19\xBC\x4D\x5B\xCF\x11\xA8\xFD\x00\x80\x5F\x5C\x44\x2B"
	asfAudioGUID  = "\x40\x9E\x69\xF8\x4D\x5B\xCF\x11\xA8\xFD\x00\x80\x5F\x5C\x44\x2B"
)

func isASFAudio(b []byte) bool {
	return at(b, 0, asfHeaderGUID) && bytes.Contains(b, []byte(asfAudioGUID)) && !bytes.Contains(b, []byte(asfVideoGUID))
}

// isASFVideo is every other ASF file: when the head cannot tell, review it.
func isASFVideo(b []byte) bool { return at(b, 0, asfHeaderGUID) && !isASFAudio(b) }

// Matroska and WebM are both EBML; the header's DocType tells them apart.

func isMatroska(b []byte) bool {
	doc, ok := ebmlDocType(b)
	return ok && (doc == "matroska" || doc == "") // "": head ends first; Matroska is the common case
}

func isWebM(b []byte) bool {
	doc, ok := ebmlDocType(b)
	return ok && doc == "webm"
}

// ebmlDocType walks the EBML header's children for DocType (ID 0x4282). ok is
// false when b is not EBML; doc is "" when the head ends before DocType.
func ebmlDocType(b []byte) (doc string, ok bool) {
	if !at(b, 0, "\x1A\x45\xDF\xA3") {
		return "", false
	}
	size, n := ebmlVint(b[4:])
	if n == 0 {
		return "", true
	}
	p, end := 4+n, len(b)
	if size < uint64(end-p) { // also false for "unknown size" (all ones)
		end = p + int(size)
	}
	for p < end {
		id, idn := ebmlID(b[p:end])
		if idn == 0 {
			break
		}
		sz, szn := ebmlVint(b[p+idn : end])
		if szn == 0 {
			break
		}
		p += idn + szn
		if sz > uint64(end-p) {
			break
		}
		if id == 0x4282 {
			return strings.TrimRight(string(b[p:p+int(sz)]), "\x00"), true
		}
		p += int(sz)
	}
	return "", true
}

// ebmlVint decodes a variable-length size; n is 0 when b is too short or the
// first byte is invalid.
func ebmlVint(b []byte) (v uint64, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n = bits.LeadingZeros8(b[0]) + 1
	if n > len(b) {
		return 0, 0
	}
	v = uint64(b[0] & (0xFF >> n))
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// ebmlID decodes an element ID, which keeps its length marker and is at most
// four bytes long.
func ebmlID(b []byte) (id uint32, n int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n = bits.LeadingZeros8(b[0]) + 1
	if n > 4 || n > len(b) {
		return 0, 0
	}
	for _, c := range b[:n] {
		id = id<<8 | uint32(c)
	}
	return id, n
}

// isFLV checks version 1, the reserved flag bits and the header length.
func isFLV(b []byte) bool {
	return at(b, 0, "FLV\x01") && len(b) >= 9 && b[4]&0xFA == 0 && be32(b, 5) >= 9
}

// isMPEGPS wants a pack header with the MPEG-1 or MPEG-2 marker bits.
func isMPEGPS(b []byte) bool {
	if !at(b, 0, "\x00\x00\x01\xBA") || len(b) < 5 {
		return false
	}
	return b[4]&0xC4 == 0x44 || b[4]&0xF1 == 0x21
}

// isMPEGVideo is an MPEG-1/2 elementary stream (.m1v, .m2v): a sequence
// header with a non-zero size and valid aspect and frame rate codes.
func isMPEGVideo(b []byte) bool {
	if !at(b, 0, "\x00\x00\x01\xB3") || len(b) < 8 {
		return false
	}
	w := int(b[4])<<4 | int(b[5])>>4
	h := int(b[5]&0x0F)<<8 | int(b[6])
	aspect, rate := b[7]>>4, b[7]&0x0F
	return w > 0 && h > 0 && aspect > 0 && aspect < 15 && rate >= 1 && rate <= 8
}

// isMPEGTS looks for the 0x47 sync byte repeating at the packet size:
// 188 (broadcast), 192 (M2TS, 4-byte timestamp prefix), 204 (with
// Reed-Solomon). Streams cut mid-packet are found by trying every start.
func isMPEGTS(b []byte) bool {
	for _, size := range [...]int{188, 192, 204} {
		// Only a sync byte in the first packet with three packets after
		// it can start four: the others are skipped by IndexByte, not
		// tried one by one (Sniff runs on every file).
		limit := min(size, len(b)-3*size)
		for k := 0; k < limit; k++ {
			j := bytes.IndexByte(b[k:limit], 0x47)
			if j < 0 {
				break
			}
			if k += j; tsSyncedAt(b, k, size) {
				return true
			}
		}
	}
	return false
}

// tsSyncedAt wants at least four packets, every one in the head synced and
// none with the reserved adaptation_field_control 00 (which rejects files
// that are just runs of 'G').
func tsSyncedAt(b []byte, k, size int) bool {
	n := 0
	for p := k; p < len(b); p += size {
		if b[p] != 0x47 {
			return false
		}
		if p+3 < len(b) && b[p+3]&0x30 == 0 {
			return false
		}
		n++
	}
	return n >= 4
}
