package tfjs

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// BenchmarkGemm: a MobileNet-sized 1×1 convolution (56×56 pixels, 128 in,
// 128 out) by the SIMD kernels and by the pure-Go path other
// architectures run, in the same run.
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	m, n, k := 56*56, 128, 128
	a, w, bias := randTensor(r, m, k), randTensor(r, k, n), randTensor(r, n)
	c := NewTensor(m, n)
	run := func(simd bool) time.Duration {
		best := time.Hour
		for range 5 {
			t0 := time.Now()
			gemmWith(simd, m, n, k, a.F, k, w.F, n, c.F, n, bias.F)
			best = min(best, time.Since(t0))
		}
		return best
	}
	row := benchrow.Start("signals/tfjs/gemm")
	b.ResetTimer()
	var fast, slow time.Duration
	for range b.N {
		fast, slow = run(useSIMD), run(false)
	}
	gflops := func(d time.Duration) float64 { return 2 * float64(m*n*k) / d.Seconds() / 1e9 }
	fmt.Printf("BenchmarkGemm: %dx%dx%d SIMD (AVX2 %v, AVX-512 %v) %.1f GFLOP/s, pure Go %.1f GFLOP/s: %.1f×\n",
		m, n, k, useSIMD, useAVX512, gflops(fast), gflops(slow), slow.Seconds()/fast.Seconds())
	b.ReportMetric(gflops(fast), "GFLOP/s")
	b.ReportMetric(slow.Seconds()/fast.Seconds(), "x-pure-go")
	row.Log(b, fmt.Sprintf("GEMM %d×%d×%d (a 56×56×128 convolution), SIMD (AVX2 %v, AVX-512 %v)", m, n, k, useSIMD, useAVX512),
		fmt.Sprintf("%.1f GFLOP/s", gflops(fast)), fmt.Sprintf("the pure-Go kernel, in process %.1f GFLOP/s", gflops(slow)), slow.Seconds()/fast.Seconds())
}
