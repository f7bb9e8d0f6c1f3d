//go:build !amd64

package tfjs

const useSIMD, useAVX512 = false, false

func kernel4x16(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32) {
	panic("no SIMD kernel on this architecture")
}

func kernel4x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32) {
	panic("no SIMD kernel on this architecture")
}

func fmaVec(dst, a, b *float32, n int) { panic("no SIMD kernel on this architecture") }

func clampVec(dst *float32, n int, lo, hi float32) { panic("no SIMD kernel on this architecture") }

func kernel4x32(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32) {
	panic("no SIMD kernel on this architecture")
}

func dwRow(dst, src, f *float32, pixels, c, c8, srcStep int) {
	panic("no SIMD kernel on this architecture")
}

func addClampVec(dst, r *float32, n int, lo, hi float32) {
	panic("no SIMD kernel on this architecture")
}

func axpyVec(dst, x *float32, n int, s float32) { panic("no SIMD kernel on this architecture") }
