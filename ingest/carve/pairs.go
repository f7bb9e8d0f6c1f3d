package carve

// The hidden-picture search watches every byte the hashing read of an
// ordinary file passes; it must cost next to nothing. Every signature in
// formats starts with a distinct byte, so one pass looking for the first
// two bytes of any of them finds every place worth a closer look: random
// bytes give one such place in about 13 KB.

// maxPairs is how many signatures the vector search compares at once.
const maxPairs = 5

// pairs is the first two bytes of every signature, and per first byte
// the second one (0x100 set when the byte starts a signature at all).
type pairs struct {
	first, second [maxPairs]byte
	next          [256]uint16
	vector        bool // the vector search may be used
}

// newPairs builds the table for formats; the vector search is used when
// the CPU has it and the signatures fit.
func newPairs(fs []format) *pairs {
	p := &pairs{vector: haveVector && len(fs) <= maxPairs && len(fs) > 0}
	for i := range maxPairs {
		f := fs[min(i, len(fs)-1)] // unused slots repeat a signature
		p.first[i], p.second[i] = f.magic[0], f.magic[1]
	}
	for _, f := range fs {
		p.next[f.magic[0]] = 0x100 | uint16(f.magic[1])
	}
	return p
}

// index returns the first i with b[i], b[i+1] the start of a signature,
// or -1.
func (p *pairs) index(b []byte) int {
	from := 0
	if p.vector {
		r := indexPairsVector(b, &p.first, &p.second)
		if r >= 0 {
			return r
		}
		from = ^r // no start before this: the rest is too short for a vector
	}
	if i := p.indexPlain(b[from:]); i >= 0 {
		return from + i
	}
	return -1
}

// indexPlain is index a byte at a time, for CPUs without the vector
// search and for the last bytes of a buffer.
func (p *pairs) indexPlain(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if s := p.next[b[i]]; s != 0 && byte(s) == b[i+1] {
			return i
		}
	}
	return -1
}
