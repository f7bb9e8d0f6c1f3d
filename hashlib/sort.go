package hashlib

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// sortRecords sorts the fixed-width records of src into dst (same length):
// a counting sort on the first two digest bytes, then each bucket on its
// own. Digests are uniform, so buckets hold a few dozen records and the
// sort streams through memory instead of gathering records at random; a
// list of look-alike digests (one crowded bucket) falls back to a
// comparison sort of that bucket.
func sortRecords(src, dst []byte, w int, count *[1 << 16]int) {
	n := len(src) / w
	clear(count[:])
	for i := 0; i < n; i++ {
		count[binary.BigEndian.Uint16(src[i*w:])]++
	}
	pos := 0
	for b, c := range count {
		count[b] = pos
		pos += c
	}
	for i := 0; i < n; i++ {
		b := binary.BigEndian.Uint16(src[i*w:])
		copy(dst[count[b]*w:], src[i*w:(i+1)*w])
		count[b]++
	}
	// count[b] is now the end of bucket b.
	start := 0
	var tmp [32 + recTail]byte
	for b := range count {
		end := count[b]
		switch k := end - start; {
		case k <= 1:
		case k <= 48:
			insertionSort(dst[start*w:end*w], w, tmp[:w])
		default:
			bucketSort(dst[start*w:end*w], w)
		}
		start = end
	}
}

func insertionSort(recs []byte, w int, tmp []byte) {
	n := len(recs) / w
	for i := 1; i < n; i++ {
		if bytes.Compare(recs[(i-1)*w:i*w], recs[i*w:(i+1)*w]) <= 0 {
			continue
		}
		copy(tmp, recs[i*w:(i+1)*w])
		j := i
		for j > 0 && bytes.Compare(recs[(j-1)*w:j*w], tmp) > 0 {
			copy(recs[j*w:(j+1)*w], recs[(j-1)*w:j*w])
			j--
		}
		copy(recs[j*w:(j+1)*w], tmp)
	}
}

// bucketSort sorts a crowded bucket through an index.
func bucketSort(recs []byte, w int) {
	n := len(recs) / w
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int {
		return bytes.Compare(recs[int(a)*w:int(a+1)*w], recs[int(b)*w:int(b+1)*w])
	})
	out := make([]byte, 0, len(recs))
	for _, i := range idx {
		out = append(out, recs[int(i)*w:int(i+1)*w]...)
	}
	copy(recs, out)
}
