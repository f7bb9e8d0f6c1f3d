package filetype

import "encoding/binary"

// ISO base media files (MP4, QuickTime, 3GP, HEIF, AVIF, M4A) share one
// container; only the brands in the leading ftyp box say which it is.

// maxFtypSize bounds the ftyp box: real ones are tens of bytes, so a larger
// size field means the "ftyp" letters are a coincidence.
const maxFtypSize = HeadSize

// ftypIs returns a matcher for one family of ISO base media files.
func ftypIs(family string) func([]byte) bool {
	return func(b []byte) bool { return ftypFamily(b) == family }
}

// ftypFamily returns "heic", "avif", "mp4", "mov", "3gp", "m4a", or "" when b
// does not start with a plausible ftyp box or no brand is known.
func ftypFamily(b []byte) string {
	if len(b) < 12 || !at(b, 4, "ftyp") {
		return ""
	}
	// Size 0 ("to end of file") and 1 (64-bit size) are legal for other
	// boxes, never for ftyp: 8 bytes header, major brand, minor version.
	size := be32(b, 0)
	if size < 16 || size > maxFtypSize {
		return ""
	}
	end := min(int(size), len(b))
	major := brandFamily(b[8:12])
	switch major {
	case "heif":
		// mif1/msf1 only say "HEIF structure"; an avif brand names the codec.
		for off := 16; off+4 <= end; off += 4 {
			if brandFamily(b[off:off+4]) == "avif" {
				return "avif"
			}
		}
		return "heic"
	case "":
		// Unknown major brand: trust the most specific compatible one.
		best := ""
		for off := 16; off+4 <= end; off += 4 {
			if f := brandFamily(b[off : off+4]); brandRank(f) < brandRank(best) {
				best = f
			}
		}
		if best == "heif" {
			return "heic"
		}
		return best
	}
	return major
}

// brandFamily maps one four-character brand to a family; "heif" is the
// codec-neutral image brand that needs the other brands to decide.
func brandFamily(brand []byte) string {
	switch string(brand) {
	case "avif", "avis":
		return "avif"
	case "heic", "heix", "heim", "heis", "hevc", "hevx":
		return "heic"
	case "mif1", "msf1", "miaf":
		return "heif"
	case "qt  ":
		return "mov"
	case "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9",
		"mp41", "mp42", "mp71", "avc1", "M4V ", "M4VH", "M4VP", "dash", "mmp4",
		"f4v ", "f4p ", "MSNV", "NDAS", "XAVC", "dby1", "cmfc", "cmf2":
		return "mp4"
	case "M4A ", "M4B ", "M4P ", "f4a ", "f4b ":
		return "m4a"
	}
	if len(brand) == 4 && brand[0] == '3' && brand[1] == 'g' {
		return "3gp" // 3gp4..3gp9, 3g2a.., 3ge6, 3gg6, 3gr6, 3gs6
	}
	return ""
}

// brandRank orders families from most to least specific.
func brandRank(f string) int {
	switch f {
	case "avif":
		return 0
	case "heic":
		return 1
	case "mov":
		return 2
	case "3gp":
		return 3
	case "mp4":
		return 4
	case "m4a":
		return 5
	case "heif":
		return 6
	}
	return 7
}

// isBareQuickTime recognises old QuickTime movies, which have no ftyp box and
// start straight with an atom.
func isBareQuickTime(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	typ := string(b[4:8])
	switch typ {
	case "moov", "mdat", "wide", "free", "skip", "pnot":
	default:
		return false
	}
	size, hdr := uint64(be32(b, 0)), uint64(8)
	if size == 1 { // a 64-bit size follows the type
		if len(b) < 16 {
			return false
		}
		size, hdr = binary.BigEndian.Uint64(b[8:]), 16
	}
	if size < hdr {
		return false
	}
	// Only media data grows to gigabytes; text read as a size field does too.
	if typ != "mdat" && size > 1<<28 {
		return false
	}
	// When the head holds the next atom's header, its type must look like one.
	if size+8 <= uint64(len(b)) {
		return isAtomType(b[size+4 : size+8])
	}
	return true
}

func isAtomType(t []byte) bool {
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || c == 0xA9) {
			return false
		}
	}
	return true
}
