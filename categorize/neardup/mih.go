package neardup

import "math/bits"

// table is one substring index: the entries whose substring (h>>shift) &
// (1<<width-1) equals k are hashes[pos[start[k]:start[k+1]]], built by a
// counting sort so the positions of a bucket are ascending.
type table struct {
	shift, width uint
	start        []uint32 // 1<<width + 1 offsets into pos
	pos          []uint32
}

func (t *table) key(h uint64) uint32 { return uint32(h>>t.shift) & (1<<t.width - 1) }

// Substring widths: about log2(n) bits, so a bucket holds about one entry
// and the offsets cost about 4 bytes per entry. 22 bits caps the offsets at
// 16 MiB per table; 8 keeps small indexes from using dozens of tables.
const minWidth, maxWidth = 8, 22

// layout splits 64 bits into m near-equal substrings of about w bits, for n
// entries: 10 M gives 3×~21 bits, 1 M gives 4×16, 1000 gives 7×~9.
func layout(n int) []table {
	w := min(max(bits.Len(uint(n))-1, minWidth), maxWidth)
	m := (64 + w - 1) / w
	tabs := make([]table, m)
	shift := uint(0)
	for i := range tabs {
		width := uint(64/m + b2i(i < 64%m))
		tabs[i] = table{shift: shift, width: width}
		shift += width
	}
	return tabs
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// build indexes every entry; the caller holds the write lock.
func (x *Index) build() {
	n := len(x.hashes)
	tabs := layout(n)
	for i := range tabs {
		t := &tabs[i]
		t.start = make([]uint32, 1<<t.width+1)
		for _, h := range x.hashes {
			t.start[t.key(h)+1]++
		}
		for k := 1; k < len(t.start); k++ {
			t.start[k] += t.start[k-1]
		}
		t.pos = make([]uint32, n)
		next := append([]uint32(nil), t.start[:len(t.start)-1]...)
		for p, h := range x.hashes {
			k := t.key(h)
			t.pos[next[k]] = uint32(p)
			next[k]++
		}
	}
	x.tabs, x.built = tabs, n
}

// radii gives each table's substring search radius for a query of radius r
// over m tables (the refined pigeonhole of Norouzi et al., "Fast Exact
// Search in Hamming Space with Multi-Index Hashing"): with r = s·m + a, a hash
// within r has a substring within s among the first a+1 tables, or within
// s-1 among the rest — else its distance would be at least
// (a+1)(s+1) + (m-a-1)s = r+1. -1 means the table is skipped.
func radii(r, m int) []int {
	s, a := r/m, r%m
	out := make([]int, m)
	for i := range out {
		out[i] = s
		if i > a {
			out[i] = s - 1
		}
	}
	return out
}

// lookupCost estimates a query's work in units of one scanned entry: each
// bucket lookup is a likely cache miss (~32 scanned entries' time), each
// candidate a random read (~16).
func (x *Index) lookupCost(r int) int {
	cost := 0.0
	for i, s := range radii(r, len(x.tabs)) {
		t := &x.tabs[i]
		nb := 0.0
		for k := 0; k <= s; k++ {
			nb += binom(int(t.width), k)
		}
		cost += nb * (32 + 16*float64(x.built)/float64(uint64(1)<<t.width))
	}
	return int(min(cost, 1<<62))
}

func binom(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	v := 1.0
	for i := 0; i < k; i++ {
		v = v * float64(n-i) / float64(i+1)
	}
	return v
}

// search appends the built entries within r of h. An entry found through
// table t is kept only if no earlier table would also have produced it, so
// each is reported once without a seen-set.
func (x *Index) search(out []Match, h uint64, r int) []Match {
	rs := radii(r, len(x.tabs))
	for ti := range x.tabs {
		s := rs[ti]
		if s < 0 {
			continue
		}
		t := &x.tabs[ti]
		key := t.key(h)
		visit := func(k uint32) {
			for _, p := range t.pos[t.start[k]:t.start[k+1]] {
				c := x.hashes[p]
				d := bits.OnesCount64(c ^ h)
				if d > r || x.foundEarlier(rs, ti, c^h) {
					continue
				}
				out = append(out, Match{ID: x.ids[p], Distance: d})
			}
		}
		neighbours(key, t.width, s, visit)
	}
	return out
}

// foundEarlier reports whether a candidate differing from the query by diff
// lies within its search radius in one of the tables before ti.
func (x *Index) foundEarlier(rs []int, ti int, diff uint64) bool {
	for j := 0; j < ti; j++ {
		t := &x.tabs[j]
		if rs[j] >= 0 && bits.OnesCount32(t.key(diff)) <= rs[j] {
			return true
		}
	}
	return false
}

// neighbours calls visit for every width-bit key within s bits of key, each
// once: flips are chosen at strictly increasing bit positions.
func neighbours(key uint32, width uint, s int, visit func(uint32)) {
	visit(key)
	var rec func(k uint32, from uint, left int)
	rec = func(k uint32, from uint, left int) {
		for b := from; b < width; b++ {
			nk := k ^ 1<<b
			visit(nk)
			if left > 1 {
				rec(nk, b+1, left-1)
			}
		}
	}
	if s > 0 {
		rec(key, 0, s)
	}
}

// memBytes is what the index's arrays occupy.
func (x *Index) memBytes() int {
	b := 8*cap(x.hashes) + 4*cap(x.ids)
	for _, t := range x.tabs {
		b += 4*cap(t.start) + 4*cap(t.pos)
	}
	return b
}
