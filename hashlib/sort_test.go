package hashlib

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortRecords agrees with a plain sort on uniform digests, on look-alike
// digests that crowd one bucket, and with duplicates.
func TestSortRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 5))
	const w = 22
	for _, crowd := range []bool{false, true} {
		n := 20000
		src := make([]byte, n*w)
		for i := range src {
			src[i] = byte(r.Uint32())
		}
		for i := 0; i < n; i++ {
			if crowd {
				src[i*w], src[i*w+1], src[i*w+2] = 0, 0, byte(i%3)
			}
			if i%10 == 0 && i > 0 {
				copy(src[i*w:(i+1)*w], src[(i-1)*w:i*w])
			}
		}
		var want [][]byte
		for i := 0; i < n; i++ {
			want = append(want, slices.Clone(src[i*w:(i+1)*w]))
		}
		slices.SortFunc(want, bytes.Compare)
		dst := make([]byte, len(src))
		sortRecords(src, dst, w, new([1 << 16]int))
		if !bytes.Equal(dst, bytes.Join(want, nil)) {
			t.Fatalf("crowd=%v: sortRecords differs from a plain sort", crowd)
		}
	}
}
