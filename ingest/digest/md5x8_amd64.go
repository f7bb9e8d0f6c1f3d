package digest

import "golang.org/x/sys/cpu"

// blocks8 runs blocks 64-byte blocks of eight messages through MD5's
// compression, lane l reading its blocks one after the other from
// ptrs[l] and keeping its state in state[0..3][l] (md5x8_amd64.s).
//
//go:noescape
func blocks8(state *[4][8]uint32, ptrs *[8]*byte, blocks int)

func haveBlocks8() bool { return cpu.X86.HasAVX2 }
