package signature

import (
	"bytes"
	"io"
)

// Sampling bounds: at most maxSamples pieces of sampleSize bytes spread
// evenly over the region, so a terabyte is judged from 4 MiB.
const (
	sampleSize    = 64 << 10
	minSampleSize = 4 << 10
	maxSamples    = 64
	// uniformChi2 is the chi-square bound (255 degrees of freedom, mean
	// 255, deviation 22.6) under which a sample's byte histogram is taken
	// as uniform: 6 deviations, so ciphertext passes all but never. JPEG
	// and most compressed data are far from uniform (thousands).
	uniformChi2 = 400
	// uniformShare of the non-zero samples must look uniform.
	uniformShare = 0.9
)

// LooksEncrypted reports whether the region r (size bytes) looks like
// ciphertext: its sampled byte histograms are uniform, which encrypted
// volumes without a header (VeraCrypt, plain dm-crypt) are and pictures,
// text, filesystem metadata and compressed data mostly are not. All-zero
// samples are left out (unused space of a wiped area is not ciphertext).
func LooksEncrypted(r io.ReaderAt, size int64) bool {
	if size < minSampleSize {
		return false
	}
	n := min(int64(maxSamples), max(size/sampleSize, 1))
	piece := min(sampleSize, size)
	buf := make([]byte, piece)
	zero := make([]byte, piece)
	var counted, uniform int
	for i := range n {
		off := int64(0)
		if n > 1 {
			off = i * (size - piece) / (n - 1)
		}
		k, _ := r.ReadAt(buf, off)
		if k < minSampleSize || bytes.Equal(buf[:k], zero[:k]) {
			continue
		}
		counted++
		if chiSquare(buf[:k]) < uniformChi2 {
			uniform++
		}
	}
	return counted > 0 && float64(uniform) >= uniformShare*float64(counted)
}

// chiSquare compares b's byte histogram with the uniform one.
func chiSquare(b []byte) float64 {
	var hist [256]int
	for _, c := range b {
		hist[c]++
	}
	want := float64(len(b)) / 256
	var x float64
	for _, h := range hist {
		d := float64(h) - want
		x += d * d / want
	}
	return x
}
