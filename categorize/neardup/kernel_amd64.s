#include "textflag.h"

// func pairMasksAVX512(a *uint64, na int, b *uint64, groups int, tail uint64, r uint64, out *uint64)
//
// For each a[i]: out[i] byte g = the lanes of b[8g:8g+8] within r bits
// of a[i] (XOR, VPOPCNTQ, unsigned compare), the last partial group read
// through the tail mask so no byte past b is touched.
TEXT ·pairMasksAVX512(SB), NOSPLIT, $0-56
	MOVQ a+0(FP), SI
	MOVQ na+8(FP), BX
	MOVQ b+16(FP), DI
	MOVQ groups+24(FP), DX
	MOVQ tail+32(FP), R10
	KMOVQ R10, K2
	MOVQ r+40(FP), AX
	VPBROADCASTQ AX, Z31
	MOVQ out+48(FP), R8

next_a:
	TESTQ BX, BX
	JZ   done
	VPBROADCASTQ (SI), Z0
	MOVQ $0, (R8)
	XORQ CX, CX
	MOVQ DI, R9

full_group:
	CMPQ CX, DX
	JGE  tail_group
	VPXORQ   (R9), Z0, Z1
	VPOPCNTQ Z1, Z1
	VPCMPUQ  $2, Z31, Z1, K1
	KMOVB    K1, (R8)(CX*1)
	ADDQ     $64, R9
	INCQ     CX
	JMP      full_group

tail_group:
	TESTQ R10, R10
	JZ    a_done
	VMOVDQU64.Z (R9), K2, Z1
	VPXORQ      Z1, Z0, Z1
	VPOPCNTQ    Z1, Z1
	VPCMPUQ     $2, Z31, Z1, K2, K1
	KMOVB       K1, (R8)(CX*1)

a_done:
	ADDQ $8, SI
	ADDQ $8, R8
	DECQ BX
	JMP  next_a

done:
	VZEROUPPER
	RET
