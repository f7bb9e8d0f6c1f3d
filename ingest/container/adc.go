package container

import "fmt"

// decodeADC expands Apple Data Compression (the UDCO chunks of old DMGs)
// from src into dst, which must be exactly the chunk's expanded size.
// Each op is a literal run (high bit set: 1–128 bytes follow), or a copy
// from earlier output: a two-byte op (3–18 bytes, distance up to 1024) or
// a three-byte op (4–67 bytes, distance up to 65536).
func decodeADC(dst, src []byte) error {
	var o, i int
	for o < len(dst) {
		if i >= len(src) {
			return fmt.Errorf("adc: input ends after %d of %d bytes", o, len(dst))
		}
		op := src[i]
		var n, dist int
		switch {
		case op&0x80 != 0:
			n = int(op&0x7f) + 1
			if i+1+n > len(src) || o+n > len(dst) {
				return fmt.Errorf("adc: literal of %d bytes at input %d overruns", n, i)
			}
			copy(dst[o:], src[i+1:i+1+n])
			i, o = i+1+n, o+n
			continue
		case op&0x40 != 0:
			if i+3 > len(src) {
				return fmt.Errorf("adc: three-byte op cut short at input %d", i)
			}
			n, dist = int(op&0x3f)+4, int(src[i+1])<<8|int(src[i+2])+1
			i += 3
		default:
			if i+2 > len(src) {
				return fmt.Errorf("adc: two-byte op cut short at input %d", i)
			}
			n, dist = int(op>>2&0x0f)+3, int(op&3)<<8|int(src[i+1])+1
			i += 2
		}
		if dist > o || o+n > len(dst) {
			return fmt.Errorf("adc: copy of %d bytes from %d back at output %d is out of range", n, dist, o)
		}
		// Byte by byte: a copy may overlap its own output (runs).
		for k := range n {
			dst[o+k] = dst[o+k-dist]
		}
		o += n
	}
	return nil
}
