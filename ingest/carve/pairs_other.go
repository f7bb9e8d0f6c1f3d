//go:build !amd64

package carve

const haveVector = false

// indexPairsVector is never called without a vector unit: it looks at
// nothing.
func indexPairsVector(b []byte, first, second *[maxPairs]byte) int { return ^0 }
