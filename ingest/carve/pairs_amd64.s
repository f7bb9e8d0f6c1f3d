#include "textflag.h"

// func indexPairsVector(b []byte, first, second *[5]byte) int
//
// Y5-Y9 hold the first bytes broadcast, Y10-Y14 the second ones. Each
// round loads b[i:i+32] and b[i+1:i+33], so it looks at positions i to
// i+31 while i+33 <= len(b).
TEXT ·indexPairsVector(SB), NOSPLIT, $0-48
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	MOVQ first+24(FP), AX
	MOVQ second+32(FP), DX
	XORQ BX, BX
	SUBQ $32, CX
	JLE  none
	VPBROADCASTB 0(AX), Y5
	VPBROADCASTB 1(AX), Y6
	VPBROADCASTB 2(AX), Y7
	VPBROADCASTB 3(AX), Y8
	VPBROADCASTB 4(AX), Y9
	VPBROADCASTB 0(DX), Y10
	VPBROADCASTB 1(DX), Y11
	VPBROADCASTB 2(DX), Y12
	VPBROADCASTB 3(DX), Y13
	VPBROADCASTB 4(DX), Y14

loop:
	VMOVDQU  (SI)(BX*1), Y0
	VMOVDQU  1(SI)(BX*1), Y1
	VPCMPEQB Y5, Y0, Y2
	VPCMPEQB Y10, Y1, Y3
	VPAND    Y3, Y2, Y2
	VPCMPEQB Y6, Y0, Y3
	VPCMPEQB Y11, Y1, Y4
	VPAND    Y4, Y3, Y3
	VPOR     Y3, Y2, Y2
	VPCMPEQB Y7, Y0, Y3
	VPCMPEQB Y12, Y1, Y4
	VPAND    Y4, Y3, Y3
	VPOR     Y3, Y2, Y2
	VPCMPEQB Y8, Y0, Y3
	VPCMPEQB Y13, Y1, Y4
	VPAND    Y4, Y3, Y3
	VPOR     Y3, Y2, Y2
	VPCMPEQB Y9, Y0, Y3
	VPCMPEQB Y14, Y1, Y4
	VPAND    Y4, Y3, Y3
	VPOR     Y3, Y2, Y2
	VPMOVMSKB Y2, R8
	TESTL    R8, R8
	JNZ      found
	ADDQ     $32, BX
	CMPQ     BX, CX
	JLT      loop
	VZEROUPPER

none:
	NOTQ BX
	MOVQ BX, ret+40(FP)
	RET

found:
	VZEROUPPER
	BSFL R8, R8
	ADDQ BX, R8
	MOVQ R8, ret+40(FP)
	RET
