package neardup

import (
	"math/bits"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// A block join answers many queries at once: both sides are bucketed by
// each 16-bit block of their pHashes, and every bucket of one side is
// compared with the buckets of the other whose key lies within the block's
// radius (the pigeonhole of radii). Going key by key for one neighbour mask
// at a time walks both sides' arrays in order, so the same candidates MIH
// finds by random reads (~8 k per query at radius 10 over 1 M hashes) are
// compared in short sequential loops instead.

// joinBlocks is the number of 16-bit blocks of a pHash.
const joinBlocks, joinWidth = 4, 16

// JoinSide is one side of a Join: entries (pHash, dHash), numbered in the
// order given, copied once per block in that block's bucket order.
type JoinSide struct {
	n      int
	blocks [joinBlocks]joinBlock
}

type joinBlock struct {
	start []uint32 // 1<<16 + 1 offsets into p, d and id
	p, d  []uint64
	id    []uint32
}

// NewJoinSide buckets the entries (p[i], d[i]); p and d must have the same
// length, below 1<<32.
func NewJoinSide(p, d []uint64) *JoinSide {
	s := &JoinSide{n: len(p)}
	for b := range s.blocks {
		blk := &s.blocks[b]
		shift := uint(b * joinWidth)
		blk.start = make([]uint32, 1<<joinWidth+1)
		for _, h := range p {
			blk.start[int(uint16(h>>shift))+1]++
		}
		for k := 1; k < len(blk.start); k++ {
			blk.start[k] += blk.start[k-1]
		}
		blk.p, blk.d, blk.id = make([]uint64, len(p)), make([]uint64, len(p)), make([]uint32, len(p))
		next := append([]uint32(nil), blk.start[:1<<joinWidth]...)
		for i, h := range p {
			k := uint16(h >> shift)
			j := next[k]
			next[k]++
			blk.p[j], blk.d[j], blk.id[j] = h, d[i], uint32(i)
		}
	}
	return s
}

// Len is the number of entries.
func (s *JoinSide) Len() int { return s.n }

// Pair is one pair of a Join: entry A of the first side, entry B of the
// second, their pHash distance.
type Pair struct {
	A, B     uint32
	Distance int
}

// Join returns every pair (a, b) near-duplicate under rule (the same pairs,
// each once, as querying an Index of b's pHashes with each of a's and
// checking rule.Similar), sorted by A then B, on every core.
func Join(a, b *JoinSide, rule Rule) []Pair { return join(a, b, rule, pairMasks) }

func join(a, b *JoinSide, rule Rule, kern kernel) []Pair {
	if a.n == 0 || b.n == 0 {
		return nil
	}
	r := rule.PHashRadius
	rs := radii(r, joinBlocks)
	type unit struct {
		block int
		mask  uint16
	}
	var units []unit
	for blk, s := range rs {
		if s < 0 {
			continue
		}
		neighbours(0, joinWidth, s, func(m uint32) { units = append(units, unit{blk, uint16(m)}) })
	}
	var next atomic.Int64
	workers := runtime.GOMAXPROCS(0)
	outs := make([][]Pair, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out []Pair
			var masks []uint64
			for {
				u := int(next.Add(1) - 1)
				if u >= len(units) {
					break
				}
				out, masks = joinMask(out, masks, kern, &a.blocks[units[u].block], &b.blocks[units[u].block], units[u].block, units[u].mask, rs, rule)
			}
			outs[w] = out
		}()
	}
	wg.Wait()
	var all []Pair
	for _, o := range outs {
		all = append(all, o...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].A != all[j].A {
			return all[i].A < all[j].A
		}
		return all[i].B < all[j].B
	})
	return all
}

// joinMask compares every bucket k of a's block with bucket k^mask of b's,
// up to 64 of b's hashes at a time through the kernel; masks is scratch.
func joinMask(out []Pair, masks []uint64, kern kernel, a, b *joinBlock, blk int, mask uint16, rs []int, rule Rule) ([]Pair, []uint64) {
	r := rule.PHashRadius
	for k := 0; k < 1<<joinWidth; k++ {
		a0, a1 := a.start[k], a.start[k+1]
		if a0 == a1 {
			continue
		}
		kb := uint16(k) ^ mask
		b0, b1 := b.start[kb], b.start[int(kb)+1]
		if b0 == b1 {
			continue
		}
		ap := a.p[a0:a1]
		if cap(masks) < len(ap) {
			masks = make([]uint64, len(ap))
		}
		ms := masks[:len(ap)]
		for j0 := b0; j0 < b1; j0 += 64 {
			kern(ap, b.p[j0:min(j0+64, b1)], r, ms)
			for i, m := range ms {
				for m != 0 {
					j := j0 + uint32(bits.TrailingZeros64(m))
					m &= m - 1
					ia := a0 + uint32(i)
					diff := ap[i] ^ b.p[j]
					if bits.OnesCount64(a.d[ia]^b.d[j]) > rule.DHashRadius || foundInEarlierBlock(rs, blk, diff) {
						continue
					}
					out = append(out, Pair{A: a.id[ia], B: b.id[j], Distance: bits.OnesCount64(diff)})
				}
			}
		}
	}
	return out, masks
}

// foundInEarlierBlock reports whether a pair differing by diff is also
// found through a block before blk (so each pair is reported once).
func foundInEarlierBlock(rs []int, blk int, diff uint64) bool {
	for j := 0; j < blk; j++ {
		if rs[j] >= 0 && bits.OnesCount16(uint16(diff>>(j*joinWidth))) <= rs[j] {
			return true
		}
	}
	return false
}
