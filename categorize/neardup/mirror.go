package neardup

import "math/bits"

// MirrorVariant predicts, from the stored hashes alone, the pHash and dHash
// the horizontally mirrored picture would have, so a query can also find
// mirrored copies without the thumbnail.
//
// dHash bit (row i, column j) is "pixel j darker than pixel j+1" on a 9×8
// grid; mirroring reverses each row, so bit j becomes the negation of bit
// 7-j: reverse the bits of every byte, then invert (exact but for equal
// neighbours and resampling asymmetry).
//
// pHash bit (i, j) is "DCT coefficient (vertical i, horizontal j) above the
// median of the 8×8 block"; mirroring negates every coefficient with odd
// horizontal frequency j, which sits at an even bit position. Those bits
// flip wherever the coefficient's magnitude exceeds the median, which is
// near zero, so flipping them all is a close approximation; TestQuality
// measures how close.
func MirrorVariant(phash, dhash uint64) (uint64, uint64) {
	const oddColumns = 0x5555555555555555
	return phash ^ oddColumns, ^bits.ReverseBytes64(bits.Reverse64(dhash))
}
