package carve

import "golang.org/x/sys/cpu"

// haveVector says the CPU (and the OS, which must save the wide
// registers) has AVX2 for indexPairsVector.
var haveVector = cpu.X86.HasAVX2

// indexPairsVector looks 32 positions at a time for a position i with
// b[i] == first[k] and b[i+1] == second[k] for some k. It returns the
// first such i, or ^n when there is none below n, n being where the
// positions it could look at in whole vectors end.
//
//go:noescape
func indexPairsVector(b []byte, first, second *[maxPairs]byte) int
