package neardup

import "math/bits"

// A kernel compares every hash of a with every hash of b (len(b) ≤ 64)
// and sets out[i]'s bit j when a[i] and b[j] differ in at most r bits.
type kernel func(a, b []uint64, r int, out []uint64)

// pairMasksGo is the portable kernel, and the reference the assembly one
// is tested against.
func pairMasksGo(a, b []uint64, r int, out []uint64) {
	for i, h := range a {
		var m uint64
		for j, c := range b {
			if bits.OnesCount64(h^c) <= r {
				m |= 1 << j
			}
		}
		out[i] = m
	}
}
