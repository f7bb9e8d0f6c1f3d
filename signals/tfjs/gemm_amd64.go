package tfjs

import "golang.org/x/sys/cpu"

// useSIMD picks the AVX2/FMA kernel when the CPU has it; the pure-Go loop
// in gemm4 is the fallback (and what SCRIM_NOSIMD-style tests compare to).
var useSIMD = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 adds the 4×32 kernel for the wide part of each row block.
var useAVX512 = useSIMD && cpu.X86.HasAVX512F

// kernel4x16 adds a[4×k]·b[k×n] into c[4×n] for n a multiple of 16, keeping
// a 4×16 tile of c in eight YMM registers across all of k. With bias
// non-nil, c is only written: the tile starts from the bias row.
//
//go:noescape
func kernel4x16(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32)

// kernel4x8 adds a[4×k]·b[k×8] into c[4×8].
//
//go:noescape
func kernel4x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32)

// fmaVec does dst[i] += a[i]*b[i] for n a multiple of 8.
//
//go:noescape
func fmaVec(dst, a, b *float32, n int)

// clampVec clamps n values (a multiple of 8) into [lo, hi].
//
//go:noescape
func clampVec(dst *float32, n int, lo, hi float32)

// kernel4x32 is kernel4x16 on AVX-512 registers, n a multiple of 32.
//
//go:noescape
func kernel4x32(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32)

// dwRow adds one depthwise filter tap along an output row: for pixels p
// and channels j < c8 (a multiple of 8), dst[p*c+j] += src[p*srcStep+j]*f[j].
//
//go:noescape
func dwRow(dst, src, f *float32, pixels, c, c8, srcStep int)

// addClampVec does dst[i] = clamp(dst[i]+r[i], lo, hi) for n a multiple of 8.
//
//go:noescape
func addClampVec(dst, r *float32, n int, lo, hi float32)

// axpyVec does dst[i] += s*x[i] for n a multiple of 8.
//
//go:noescape
func axpyVec(dst, x *float32, n int, s float32)
