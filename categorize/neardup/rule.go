package neardup

import "math/bits"

// Rule decides whether two pictures are near-duplicates from their pHashes
// and dHashes: both distances must be within their radius. Scrim's pHashes
// always have exactly 32 bits set (each bit is "coefficient above the median
// of 64"), so pHash distances are even and radius 2k+1 acts as 2k.
type Rule struct{ PHashRadius, DHashRadius int }

// DefaultRule is pHash ≤ 10 and dHash ≤ 12, chosen from TestQuality's sweep
// over 60 synthetic photos × 7 edits (640×480, real picture.Analyzer):
//
//   - resize 50 %, JPEG quality 40 and grayscale move the pHash at most 6 and
//     the dHash at most 6 bits, so 10/12 leaves a margin: recall 100 %.
//   - 5 % crop: median pHash move 6, 95th percentile 10–16: recall 85–88 %.
//     Widening to 16/16 gives 97 % but costs a much slower index query
//     (radius 16 over 3 tables enumerates ~30 k substring neighbours).
//   - unrelated pictures: closest pHash pair 2 (two flat synthetic scenes),
//     median 22; the dHash condition removes those: 0 false positives in
//     113 k unrelated pairs at 10/12, 0.001 % at 10/14, 0.008 % at 16/16.
//   - pHash ≤ 10 keeps the index query at the radius it is built for
//     (≤ 1 ms at 10 M hashes, see BenchmarkQuery).
//
// A 3 % text box moves the pHash a median 14–16 bits but the dHash only 2:
// overlays are better found by a second Index over dHashes (radius ~6) and
// this rule with a wider pHash radius. Mirrored copies need MirrorVariant.
func DefaultRule() Rule { return Rule{PHashRadius: 10, DHashRadius: 12} }

// Similar reports whether (p1, d1) and (p2, d2) are near-duplicates under r,
// and the pHash distance, which ranks suggestions.
func (r Rule) Similar(p1, d1, p2, d2 uint64) (bool, int) {
	pd := bits.OnesCount64(p1 ^ p2)
	dd := bits.OnesCount64(d1 ^ d2)
	return pd <= r.PHashRadius && dd <= r.DHashRadius, pd
}

func popcount(x uint64) int { return bits.OnesCount64(x) }
