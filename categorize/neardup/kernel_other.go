//go:build !amd64

package neardup

const hasAVX512Popcount = false

func pairMasks(a, b []uint64, r int, out []uint64) { pairMasksGo(a, b, r, out) }
