package filetype

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"scrim/internal/benchrow"
)

// isMPEGTSEveryOffset is isMPEGTS as it was: every offset of the first
// packet tried. The fast one must answer the same.
func isMPEGTSEveryOffset(b []byte) bool {
	for _, size := range [...]int{188, 192, 204} {
		for k := 0; k < size && k < len(b); k++ {
			if tsSyncedAt(b, k, size) {
				return true
			}
		}
	}
	return false
}

func TestIsMPEGTSSameAsEveryOffset(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	yes := 0
	for i := range 20000 {
		b := make([]byte, r.IntN(2000))
		for k := range b {
			b[k] = byte(r.IntN(256))
		}
		if i%2 == 0 && len(b) > 0 { // sync bytes at a packet size from an offset, some broken
			size := [...]int{188, 192, 204}[r.IntN(3)]
			for p := r.IntN(min(len(b), 210)); p < len(b); p += size {
				b[p] = 0x47
				if p+3 < len(b) {
					b[p+3] |= 0x10
				}
				if r.IntN(40) == 0 {
					b[p] = 0
				}
			}
		}
		if i%7 == 0 {
			for k := range b {
				b[k] = 'G' // runs of G: the reserved field rejects them
			}
		}
		got, want := isMPEGTS(b), isMPEGTSEveryOffset(b)
		if got != want {
			t.Fatalf("%d bytes: isMPEGTS %v, every offset %v", len(b), got, want)
		}
		if got {
			yes++
		}
	}
	if yes < 1000 {
		t.Fatalf("only %d of the inputs are streams: the test does not test", yes)
	}
}

// BenchmarkIsMPEGTS times isMPEGTS on the heads of small binary files,
// which it rejects, beside the every-offset reference in the same run.
func BenchmarkIsMPEGTS(b *testing.B) {
	var heads [][]byte
	for seed := range 64 {
		heads = append(heads, randomBytes(uint64(seed), 200+seed*60))
	}
	per := func(f func([]byte) bool) float64 {
		start := b.Elapsed()
		for i := range 2000 {
			f(heads[i%len(heads)])
		}
		return float64((b.Elapsed() - start).Nanoseconds()) / 2000
	}
	row := benchrow.Start("ingest/filetype/mpegts-check")
	var fast, ref float64
	for b.Loop() {
		fast += per(isMPEGTS)
		ref += per(isMPEGTSEveryOffset)
	}
	b.ReportMetric(fast/float64(b.N), "ns/head")
	b.ReportMetric(ref/fast, "x-every-offset")
	row.Log(b, "MPEG-TS check on the heads of 64 small binary files (all rejected)",
		fmt.Sprintf("%.0f ns per head", fast/float64(b.N)), fmt.Sprintf("every-offset reference %.0f ns per head", ref/float64(b.N)), ref/fast)
}
