package neardup

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The kernel this CPU runs (AVX-512 where it has it) agrees with the
// portable one for every length of b, radius and mix of near and far
// hashes.
func TestKernelsAgree(t *testing.T) {
	t.Logf("AVX-512 kernel: %v", hasAVX512Popcount)
	r := rand.New(rand.NewPCG(3, 4))
	for nb := 0; nb <= 64; nb++ {
		for _, na := range []int{1, 2, 7, 33} {
			a, b := make([]uint64, na), make([]uint64, nb)
			for i := range a {
				a[i] = r.Uint64()
			}
			for j := range b {
				b[j] = nearBy(r, a[r.IntN(na)], r.IntN(20))
				if r.IntN(3) == 0 {
					b[j] = r.Uint64()
				}
			}
			for _, radius := range []int{0, 1, 5, 10, 19, 64} {
				got, want := make([]uint64, na), make([]uint64, na)
				for i := range got {
					got[i] = 0xdeadbeef // must be overwritten
				}
				pairMasks(a, b, radius, got)
				pairMasksGo(a, b, radius, want)
				if !slices.Equal(got, want) {
					t.Fatalf("na %d nb %d r %d: kernel %x, portable %x", na, nb, radius, got, want)
				}
			}
		}
	}
}

func FuzzKernel(f *testing.F) {
	f.Add([]byte("0123456789abcdef0123456789abcdef01234567"), uint8(10), uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, radius, na uint8) {
		var hs []uint64
		for i := 0; i+8 <= len(raw); i += 8 {
			hs = append(hs, le64(raw[i:]))
		}
		n := 1 + int(na)%8
		if len(hs) < n {
			return
		}
		a, b := hs[:n], hs[n:min(len(hs), n+64)]
		got, want := make([]uint64, n), make([]uint64, n)
		pairMasks(a, b, int(radius%70), got)
		pairMasksGo(a, b, int(radius%70), want)
		if !slices.Equal(got, want) {
			t.Fatalf("kernel %x, portable %x", got, want)
		}
	})
}
