package filetype

func isJPEG(b []byte) bool { return at(b, 0, "\xFF\xD8\xFF") }

func isPNG(b []byte) bool { return at(b, 0, "\x89PNG\r\n\x1A\n") }

func isGIF(b []byte) bool { return at(b, 0, "GIF87a") || at(b, 0, "GIF89a") }

// isWebP also wants the first chunk to be an image chunk when the head holds
// it, so any RIFF with a stray "WEBP" form is not enough.
func isWebP(b []byte) bool {
	if !at(b, 0, "RIFF") || !at(b, 8, "WEBP") {
		return false
	}
	return len(b) < 16 || at(b, 12, "VP8 ") || at(b, 12, "VP8L") || at(b, 12, "VP8X")
}

// isTIFF covers classic and BigTIFF in both byte orders. Raw camera formats
// (CR2, NEF, DNG, ARW) are TIFF inside and land here too, which is what the
// review wants: they are pictures.
func isTIFF(b []byte) bool {
	switch {
	case at(b, 0, "II*\x00"):
		return le32(b, 4) >= 8 // first IFD cannot overlap the header
	case at(b, 0, "MM\x00*"):
		return be32(b, 4) >= 8
	case at(b, 0, "II+\x00"):
		return le16(b, 4) == 8 && le16(b, 6) == 0 // offset size 8, reserved 0
	case at(b, 0, "MM\x00+"):
		return be16(b, 4) == 8 && be16(b, 6) == 0
	}
	return false
}

// isBMP checks the header fields, not just "BM": plenty of text starts with
// those two letters, but none has a known DIB header size in four bytes.
func isBMP(b []byte) bool {
	if !at(b, 0, "BM") || len(b) < 18 {
		return false
	}
	fileSize, offset, dib := le32(b, 2), le32(b, 10), le32(b, 14)
	switch dib {
	case 12, 16, 40, 52, 56, 64, 108, 124:
	default:
		return false
	}
	// Pixels follow the headers (and palette); a huge offset is noise.
	if offset < 14+dib || offset > 1<<24 {
		return false
	}
	if fileSize != 0 && fileSize < offset {
		return false
	}
	planesAt := 26 // BITMAPINFOHEADER and later: width, height are 32-bit
	if dib == 12 {
		planesAt = 22 // BITMAPCOREHEADER: 16-bit width, height
	}
	return len(b) < planesAt+2 || le16(b, planesAt) == 1
}

// isICO checks the first directory entry, since "00 00 01 00" alone is
// common in binary data.
func isICO(b []byte) bool {
	if !at(b, 0, "\x00\x00\x01\x00") || len(b) < 22 {
		return false
	}
	count := int(le16(b, 4))
	if count == 0 || b[9] != 0 || le16(b, 10) > 1 {
		return false
	}
	switch le16(b, 12) {
	case 0, 1, 4, 8, 16, 24, 32:
	default:
		return false
	}
	return le32(b, 14) > 0 && le32(b, 18) >= uint32(6+16*count)
}
