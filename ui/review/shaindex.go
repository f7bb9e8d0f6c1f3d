package review

import (
	"bytes"
	"sort"
)

// shaIndex finds an item by SHA-256. The queue's items come in SHA-256
// order, so it only keeps where each two-byte prefix starts (256 KiB
// whatever the case) and searches the few items of one prefix: a map of
// a million digests took 80 MB and a fifth of the allocations of the
// queue's first open, each new page a fault.
type shaIndex struct {
	bucket []uint32 // bucket[p]: the first item whose SHA-256 starts with p or more
	// byMap is used instead when the items are not in order (never from
	// Load, which reads them in key order; kept so that order is not a
	// silent assumption).
	byMap map[[32]byte]int32
}

func newSHAIndex(items []Item) shaIndex {
	sorted := sort.SliceIsSorted(items, func(a, b int) bool { return bytes.Compare(items[a].SHA[:], items[b].SHA[:]) < 0 })
	if !sorted || len(items) >= 1<<31 {
		byMap := make(map[[32]byte]int32, len(items))
		for i := range items {
			byMap[items[i].SHA] = int32(i)
		}
		return shaIndex{byMap: byMap}
	}
	bucket := make([]uint32, 1<<16+1)
	for i := range items {
		bucket[(int(items[i].SHA[0])<<8|int(items[i].SHA[1]))+1]++
	}
	for p := 1; p < len(bucket); p++ {
		bucket[p] += bucket[p-1]
	}
	return shaIndex{bucket: bucket}
}

// find is the position of sha in items, the items the index was made of.
func (x shaIndex) find(items []Item, sha [32]byte) (int32, bool) {
	if x.bucket == nil {
		i, ok := x.byMap[sha]
		return i, ok
	}
	p := int(sha[0])<<8 | int(sha[1])
	lo, hi := int(x.bucket[p]), int(x.bucket[p+1])
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := bytes.Compare(items[mid].SHA[:], sha[:]); {
		case c == 0:
			return int32(mid), true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}
