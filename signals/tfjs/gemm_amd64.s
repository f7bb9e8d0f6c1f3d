#include "textflag.h"

// func kernel4x16(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32)
// With bias non-nil the tile starts from the bias row instead of c.
TEXT ·kernel4x16(SB), NOSPLIT, $0-72
	MOVQ n+0(FP), R8
	MOVQ k+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R10
	SHLQ $2, R10
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R11
	SHLQ $2, R11
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R12
	SHLQ $2, R12
	LEAQ (R10)(R10*2), R13
	LEAQ (R12)(R12*2), R14

	MOVQ bias+64(FP), R15

colloop:
	CMPQ  R8, $16
	JLT   done
	TESTQ R15, R15
	JE    loadc16
	VMOVUPS (R15), Y0
	VMOVUPS 32(R15), Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	ADDQ    $64, R15
	JMP     start16

loadc16:
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS (DX)(R12*1), Y2
	VMOVUPS 32(DX)(R12*1), Y3
	VMOVUPS (DX)(R12*2), Y4
	VMOVUPS 32(DX)(R12*2), Y5
	VMOVUPS (DX)(R14*1), Y6
	VMOVUPS 32(DX)(R14*1), Y7

start16:
	MOVQ SI, AX
	MOVQ DI, CX
	MOVQ R9, BX

kloop:
	TESTQ BX, BX
	JE    kdone
	VMOVUPS      (CX), Y8
	VMOVUPS      32(CX), Y9
	VBROADCASTSS (AX), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (AX)(R10*1), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (AX)(R10*2), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (AX)(R13*1), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         $4, AX
	ADDQ         R11, CX
	DECQ         BX
	JMP          kloop

kdone:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, (DX)(R12*1)
	VMOVUPS Y3, 32(DX)(R12*1)
	VMOVUPS Y4, (DX)(R12*2)
	VMOVUPS Y5, 32(DX)(R12*2)
	VMOVUPS Y6, (DX)(R14*1)
	VMOVUPS Y7, 32(DX)(R14*1)
	ADDQ    $64, DX
	ADDQ    $64, DI
	SUBQ    $16, R8
	JMP     colloop

done:
	VZEROUPPER
	RET

// func kernel4x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32)
// adds a[4×k]·b[k×8] into c[4×8] (or into the bias row when bias is non-nil).
TEXT ·kernel4x8(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), BX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R10
	SHLQ $2, R10
	MOVQ b+24(FP), CX
	MOVQ ldb+32(FP), R11
	SHLQ $2, R11
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R12
	SHLQ $2, R12
	LEAQ (R10)(R10*2), R13
	LEAQ (R12)(R12*2), R14
	MOVQ bias+56(FP), R15
	TESTQ R15, R15
	JE    loadc8
	VMOVUPS (R15), Y0
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y4
	VMOVAPS Y0, Y6
	JMP     k8loop

loadc8:
	VMOVUPS (DX), Y0
	VMOVUPS (DX)(R12*1), Y2
	VMOVUPS (DX)(R12*2), Y4
	VMOVUPS (DX)(R14*1), Y6

k8loop:
	TESTQ BX, BX
	JE    k8done
	VMOVUPS      (CX), Y8
	VBROADCASTSS (AX), Y10
	VFMADD231PS  Y8, Y10, Y0
	VBROADCASTSS (AX)(R10*1), Y11
	VFMADD231PS  Y8, Y11, Y2
	VBROADCASTSS (AX)(R10*2), Y12
	VFMADD231PS  Y8, Y12, Y4
	VBROADCASTSS (AX)(R13*1), Y13
	VFMADD231PS  Y8, Y13, Y6
	ADDQ         $4, AX
	ADDQ         R11, CX
	DECQ         BX
	JMP          k8loop

k8done:
	VMOVUPS Y0, (DX)
	VMOVUPS Y2, (DX)(R12*1)
	VMOVUPS Y4, (DX)(R12*2)
	VMOVUPS Y6, (DX)(R14*1)
	VZEROUPPER
	RET

// func fmaVec(dst, a, b *float32, n int)
// dst[i] += a[i]*b[i] for n a multiple of 8.
TEXT ·fmaVec(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JE   fmadone

fmaloop:
	VMOVUPS     (DI), Y0
	VMOVUPS     (SI), Y1
	VFMADD231PS (DX), Y1, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, DX
	DECQ        CX
	JNE         fmaloop

fmadone:
	VZEROUPPER
	RET

// func clampVec(dst *float32, n int, lo, hi float32)
// clamps n values (a multiple of 8) into [lo, hi].
TEXT ·clampVec(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS lo+16(FP), Y1
	VBROADCASTSS hi+20(FP), Y2
	SHRQ         $3, CX
	JE           clampdone

clamploop:
	VMOVUPS (DI), Y0
	VMAXPS  Y1, Y0, Y0
	VMINPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNE     clamploop

clampdone:
	VZEROUPPER
	RET

// func kernel4x32(n, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, bias *float32)
// is kernel4x16 with AVX-512: a 4×32 tile of c in eight ZMM registers,
// n a multiple of 32.
TEXT ·kernel4x32(SB), NOSPLIT, $0-72
	MOVQ n+0(FP), R8
	MOVQ k+8(FP), R9
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R10
	SHLQ $2, R10
	MOVQ b+32(FP), DI
	MOVQ ldb+40(FP), R11
	SHLQ $2, R11
	MOVQ c+48(FP), DX
	MOVQ ldc+56(FP), R12
	SHLQ $2, R12
	LEAQ (R10)(R10*2), R13
	LEAQ (R12)(R12*2), R14

	MOVQ bias+64(FP), R15

z32col:
	CMPQ    R8, $32
	JLT     z32done
	TESTQ   R15, R15
	JE      loadc32
	VMOVUPS (R15), Z0
	VMOVUPS 64(R15), Z1
	VMOVAPS Z0, Z2
	VMOVAPS Z1, Z3
	VMOVAPS Z0, Z4
	VMOVAPS Z1, Z5
	VMOVAPS Z0, Z6
	VMOVAPS Z1, Z7
	ADDQ    $128, R15
	JMP     start32

loadc32:
	VMOVUPS (DX), Z0
	VMOVUPS 64(DX), Z1
	VMOVUPS (DX)(R12*1), Z2
	VMOVUPS 64(DX)(R12*1), Z3
	VMOVUPS (DX)(R12*2), Z4
	VMOVUPS 64(DX)(R12*2), Z5
	VMOVUPS (DX)(R14*1), Z6
	VMOVUPS 64(DX)(R14*1), Z7

start32:
	MOVQ    SI, AX
	MOVQ    DI, CX
	MOVQ    R9, BX

z32k:
	TESTQ        BX, BX
	JE           z32kdone
	VMOVUPS      (CX), Z8
	VMOVUPS      64(CX), Z9
	VBROADCASTSS (AX), Z10
	VFMADD231PS  Z8, Z10, Z0
	VFMADD231PS  Z9, Z10, Z1
	VBROADCASTSS (AX)(R10*1), Z11
	VFMADD231PS  Z8, Z11, Z2
	VFMADD231PS  Z9, Z11, Z3
	VBROADCASTSS (AX)(R10*2), Z12
	VFMADD231PS  Z8, Z12, Z4
	VFMADD231PS  Z9, Z12, Z5
	VBROADCASTSS (AX)(R13*1), Z13
	VFMADD231PS  Z8, Z13, Z6
	VFMADD231PS  Z9, Z13, Z7
	ADDQ         $4, AX
	ADDQ         R11, CX
	DECQ         BX
	JMP          z32k

z32kdone:
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	VMOVUPS Z2, (DX)(R12*1)
	VMOVUPS Z3, 64(DX)(R12*1)
	VMOVUPS Z4, (DX)(R12*2)
	VMOVUPS Z5, 64(DX)(R12*2)
	VMOVUPS Z6, (DX)(R14*1)
	VMOVUPS Z7, 64(DX)(R14*1)
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, R8
	JMP     z32col

z32done:
	VZEROUPPER
	RET

// func dwRow(dst, src, f *float32, pixels, c, c8, srcStep int)
// for each of pixels output pixels p and each channel j < c8 (a multiple
// of 8): dst[p*c+j] += src[p*srcStep+j] * f[j]. One depthwise filter tap
// along an output row.
TEXT ·dwRow(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ f+16(FP), DX
	MOVQ pixels+24(FP), R8
	MOVQ c+32(FP), R9
	SHLQ $2, R9
	MOVQ c8+40(FP), R10
	SHRQ $3, R10
	MOVQ srcStep+48(FP), R11
	SHLQ $2, R11
	TESTQ R10, R10
	JE    dwdone

dwpix:
	TESTQ R8, R8
	JE    dwdone
	MOVQ  DI, AX
	MOVQ  SI, BX
	MOVQ  DX, CX
	MOVQ  R10, R12

dwch:
	VMOVUPS     (AX), Y0
	VMOVUPS     (BX), Y1
	VFMADD231PS (CX), Y1, Y0
	VMOVUPS     Y0, (AX)
	ADDQ        $32, AX
	ADDQ        $32, BX
	ADDQ        $32, CX
	DECQ        R12
	JNE         dwch
	ADDQ        R9, DI
	ADDQ        R11, SI
	DECQ        R8
	JMP         dwpix

dwdone:
	VZEROUPPER
	RET

// func addClampVec(dst, r *float32, n int, lo, hi float32)
// dst[i] = min(max(dst[i]+r[i], lo), hi) for n a multiple of 8: a fused
// residual add and activation in one pass.
TEXT ·addClampVec(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         r+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS lo+24(FP), Y1
	VBROADCASTSS hi+28(FP), Y2
	SHRQ         $3, CX
	JE           acdone

acloop:
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMAXPS  Y1, Y0, Y0
	VMINPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNE     acloop

acdone:
	VZEROUPPER
	RET

// func axpyVec(dst, x *float32, n int, s float32)
// dst[i] += s*x[i] for n a multiple of 8 (one row of a matrix product).
TEXT ·axpyVec(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS s+24(FP), Y1
	SHRQ         $3, CX
	JE           axdone

axloop:
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y1, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	DECQ        CX
	JNE         axloop

axdone:
	VZEROUPPER
	RET
