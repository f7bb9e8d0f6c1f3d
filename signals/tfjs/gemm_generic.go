//go:build !amd64

package tfjs

const useSIMD = false

func kernel4x16(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int) {
	panic("no SIMD kernel on this architecture")
}
