package neardup

import "math/bits"

// Components groups pictures into near-duplicate components: i and j are
// linked when Similar(i, j), or when i's mirror image (MirrorVariant) is
// Similar to j, or j's to i; a component is everything linked through any
// chain. It returns a component number per picture, numbered from 0 in
// order of their first picture.
//
// Querying an index once per picture and joining the answers costs the sum
// of every picture's neighbour count, quadratic in the size of a crowd of
// look-alikes (a generated case of 100 k pictures took 728 s). Here a
// breadth-first walk removes each picture from the indexes as it is
// reached, so it is found once: a later query from the same component
// cannot see it again, and no other component can link to it (it would
// have been reached from there). Two indexes are walked: pHashes, queried
// with a picture's pHash and its mirror's, and mirrored pHashes, queried
// with its pHash (the links where the other side is mirrored).
func Components(phash, dhash []uint64, rule Rule) []int {
	n := len(phash)
	comp := make([]int, n)
	for i := range comp {
		comp[i] = -1
	}
	mp := make([]uint64, n)
	md := make([]uint64, n)
	for i := range phash {
		mp[i], md[i] = MirrorVariant(phash[i], dhash[i])
	}
	plain, mirrored := newShrinkIndex(phash), newShrinkIndex(mp)
	var queue, found []uint32
	take := func(j uint32, c int) {
		comp[j] = c
		queue = append(queue, j)
		found = append(found, j)
	}
	r := rule.PHashRadius
	next := 0
	for start := range n {
		if comp[start] >= 0 {
			continue
		}
		c := next
		next++
		queue = queue[:0]
		found = found[:0]
		take(uint32(start), c)
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			p, d := phash[i], dhash[i]
			// Links i → j, direct and mirrored.
			for _, q := range [2][2]uint64{{p, d}, {mp[i], md[i]}} {
				plain.query(q[0], r, func(j uint32) {
					if comp[j] < 0 && bits.OnesCount64(q[1]^dhash[j]) <= rule.DHashRadius {
						take(j, c)
					}
				})
			}
			// Links j → i where j is mirrored.
			mirrored.query(p, r, func(j uint32) {
				if comp[j] < 0 && bits.OnesCount64(md[j]^d) <= rule.DHashRadius {
					take(j, c)
				}
			})
			for _, j := range found {
				plain.remove(j)
				mirrored.remove(j)
			}
			found = found[:0]
		}
	}
	return comp
}

// shrinkIndex is a multi-index over fixed hashes from which entries are
// removed: each bucket keeps its live entries first, so a query walks only
// those.
type shrinkIndex struct {
	hashes []uint64
	tabs   []shrinkTable
}

type shrinkTable struct {
	table
	live  []uint32 // live entries per bucket, from start[k]
	where []uint32 // entry → its slot in pos
}

func newShrinkIndex(hashes []uint64) *shrinkIndex {
	x := &shrinkIndex{hashes: hashes}
	for _, t := range layout(len(hashes)) {
		t.start = make([]uint32, 1<<t.width+1)
		for _, h := range hashes {
			t.start[t.key(h)+1]++
		}
		for k := 1; k < len(t.start); k++ {
			t.start[k] += t.start[k-1]
		}
		st := shrinkTable{table: t, live: make([]uint32, 1<<t.width), where: make([]uint32, len(hashes))}
		st.pos = make([]uint32, len(hashes))
		for e, h := range hashes {
			k := t.key(h)
			slot := st.start[k] + st.live[k]
			st.pos[slot] = uint32(e)
			st.where[e] = slot
			st.live[k]++
		}
		x.tabs = append(x.tabs, st)
	}
	return x
}

// query calls fn for every live entry within r of h (an entry may be
// offered more than once; fn tells them apart).
func (x *shrinkIndex) query(h uint64, r int, fn func(uint32)) {
	rs := radii(r, len(x.tabs))
	for ti := range x.tabs {
		if rs[ti] < 0 {
			continue
		}
		t := &x.tabs[ti]
		neighbours(t.key(h), t.width, rs[ti], func(k uint32) {
			s := t.start[k]
			for _, e := range t.pos[s : s+t.live[k]] {
				if bits.OnesCount64(x.hashes[e]^h) <= r {
					fn(e)
				}
			}
		})
	}
}

// remove takes entry e out of every table.
func (x *shrinkIndex) remove(e uint32) {
	for ti := range x.tabs {
		t := &x.tabs[ti]
		k := t.key(x.hashes[e])
		last := t.start[k] + t.live[k] - 1
		slot := t.where[e]
		moved := t.pos[last]
		t.pos[slot], t.where[moved] = moved, slot
		t.pos[last], t.where[e] = e, last
		t.live[k]--
	}
}
