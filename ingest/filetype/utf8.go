package filetype

import "unicode/utf8"

// validUTF8 is utf8.Valid, forgiving a last character cut off by the end of
// the head.
func validUTF8(b []byte) bool {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if b[i]&0xC0 != 0x80 { // the last character starts here
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}
