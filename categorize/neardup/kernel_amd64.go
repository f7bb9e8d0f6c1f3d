package neardup

import "golang.org/x/sys/cpu"

// hasAVX512Popcount: the assembly kernel needs AVX-512 F, DQ (KMOVB) and
// VPOPCNTDQ; it compares eight hashes per instruction where the portable
// loop compares one.
var hasAVX512Popcount = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VPOPCNTDQ

// pairMasks is the fastest kernel this CPU runs.
func pairMasks(a, b []uint64, r int, out []uint64) {
	if !hasAVX512Popcount || len(a) == 0 {
		pairMasksGo(a, b, r, out)
		return
	}
	pairMasksAVX512Slices(a, b, r, out)
}

func pairMasksAVX512Slices(a, b []uint64, r int, out []uint64) {
	_ = out[len(a)-1]
	if len(b) > 64 {
		panic("neardup: kernel called with more than 64 hashes")
	}
	var bp *uint64
	if len(b) > 0 {
		bp = &b[0]
	}
	pairMasksAVX512(&a[0], len(a), bp, len(b)/8, uint64(1)<<(len(b)%8)-1, uint64(max(r, 0)), &out[0])
}

// pairMasksAVX512 is pairMasksGo for len(b) = 8·groups + popcount(tail),
// tail the lane mask of the last, partial group of eight.
//
//go:noescape
func pairMasksAVX512(a *uint64, na int, b *uint64, groups int, tail uint64, r uint64, out *uint64)
