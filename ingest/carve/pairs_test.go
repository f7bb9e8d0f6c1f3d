package carve

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// pairBytes are the bytes signatures start with, and a few others, so that
// random buffers of them are full of near misses.
var pairBytes = []byte{0xFF, 0xD8, 0x89, 'P', 'G', 'I', 'B', 'M', 'R', 0, 'N'}

// TestPairsTable: every signature's first byte is its own, so the
// search by first two bytes misses none.
func TestPairsTable(t *testing.T) {
	seen := map[byte]bool{}
	for _, f := range formats {
		if seen[f.magic[0]] || len(f.magic) < 2 {
			t.Fatalf("%s: signature start %x is not its own", f.name, f.magic[0])
		}
		seen[f.magic[0]] = true
		if formatStarting(f.magic[0]) != &f && formatStarting(f.magic[0]).name != f.name {
			t.Fatalf("%s not found by its first byte", f.name)
		}
	}
	t.Logf("vector search: %v", signaturePairs.vector)
}

// checkIndex compares the vector search (where the CPU has it) with the
// byte-at-a-time one on b and every suffix of b.
func checkIndex(t testing.TB, b []byte) {
	for from := 0; from <= len(b); from++ {
		s := b[from:]
		if got, want := signaturePairs.index(s), signaturePairs.indexPlain(s); got != want {
			t.Fatalf("index of % x: %d, byte by byte %d", s, got, want)
		}
	}
}

// TestPairsAgree: the vector search finds the first signature start the
// plain one finds on random buffers of near misses of every length and
// alignment, and on a pair put at every position: across the 32-byte
// vector edges and in the last bytes the vector does not cover.
func TestPairsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = pairBytes[rng.IntN(len(pairBytes))]
		}
		checkIndex(t, b)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		checkIndex(t, b)
	}
	for _, f := range formats {
		for n := 2; n < 140; n++ {
			for at := 0; at+1 < n; at++ {
				b := bytes.Repeat([]byte{f.magic[1]}, n) // a second byte alone is no start
				b[at], b[at+1] = f.magic[0], f.magic[1]
				if got := signaturePairs.index(b); got != at {
					t.Fatalf("%s at %d of %d: found at %d", f.name, at, n, got)
				}
			}
			b := bytes.Repeat([]byte{f.magic[0]}, n) // nor a first byte alone
			if f.magic[0] != f.magic[1] && signaturePairs.index(b) != -1 {
				t.Fatalf("%s: first bytes alone found", f.name)
			}
		}
	}
}

// plainCandidates is what Watch must find: every offset where a
// signature starts with a plausible header and watchHead bytes to look at.
func plainCandidates(b []byte) []int64 {
	var c []int64
	for at := 0; at+watchHead <= len(b); at++ {
		if f := formatStarting(b[at]); f != nil && bytes.HasPrefix(b[at:], f.magic) && plausible(f.name, b[at:at+watchHead]) {
			c = append(c, int64(at))
		}
	}
	return c
}

// watchChunked writes b to a fresh Watch in chunks of the sizes next gives.
func watchChunked(b []byte, next func() int) *Watch {
	w := &Watch{}
	for len(b) > 0 {
		n := min(max(next(), 1), len(b))
		w.Write(b[:n])
		b = b[n:]
	}
	return w
}

// checkWatch compares Watch's candidates with the plain ones.
func checkWatch(t testing.TB, b []byte, next func() int) {
	want := plainCandidates(b)
	w := watchChunked(b, next)
	got := w.Candidates()
	if w.Overflow() {
		if len(want) <= MaxCandidates {
			t.Fatalf("overflow with %d candidates", len(want))
		}
		want = want[:MaxCandidates]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("candidates %v, plain %v", got, want)
	}
}

// TestWatchAgreesWithPlain: on buffers dense in signatures and plausible
// headers, written in chunks of every small size and at random, the watch
// finds exactly the offsets a byte-by-byte look finds, signatures cut by
// chunk edges included.
func TestWatchAgreesWithPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	heads := [][]byte{
		[]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01"),
		[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00"),
		[]byte("GIF89a\x10\x00\x10\x00\x80\x00\x00\x00\x00\x00\xff\xff"),
		[]byte("BM\x36\x03\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"),
		[]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00"),
	}
	for round := range 60 {
		b := make([]byte, 200+rng.IntN(3000))
		for i := range b {
			b[i] = pairBytes[rng.IntN(len(pairBytes))]
		}
		for range 1 + rng.IntN(20) {
			h := heads[rng.IntN(len(heads))]
			at := rng.IntN(len(b))
			copy(b[at:], h)
		}
		for _, chunk := range []int{1, 2, 16, 17, 18, 31, 32, 33, 64, 4096} {
			checkWatch(t, b, func() int { return chunk })
		}
		checkWatch(t, b, func() int { return 1 + rng.IntN(3*round+2) })
	}
	noise := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{9}).Read(noise)
	checkWatch(t, noise, func() int { return 32 << 10 })
}

// FuzzWatch: the watch and the vector search agree with their plain
// counterparts on any bytes written in any chunks.
func FuzzWatch(f *testing.F) {
	f.Add([]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01xxBM"), uint8(7))
	f.Add([]byte("GIF89a\x10\x00\x10\x00\x80\x00\x00\x00\x00\x00\xff\xffRIFF\x24\x00\x00\x00WEBPVP8 \x18\x00"), uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, chunk uint8) {
		if len(b) > 1<<16 {
			return
		}
		checkIndex(t, b[:min(len(b), 256)])
		checkWatch(t, b, func() int { return int(chunk) })
	})
}

// BenchmarkWatch times the watch over random bytes (as most files it sees
// are) against, in the same run, the search it replaced (one bytes.Index
// pass per signature) and SHA-256 of the same bytes, the hashing it rides
// on, and prints both ratios.
func BenchmarkWatch(b *testing.B) {
	row := benchrow.Start("ingest/carve/watch")
	buf := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1}).Read(buf)
	var w Watch
	watch := timePerMB(func() { w.Reset(); w.Write(buf) }, len(buf))
	perSignature := timePerMB(func() { indexEachSignature(buf) }, len(buf))
	hash := timePerMB(func() { sha256.Sum256(buf) }, len(buf))
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		w.Reset()
		w.Write(buf)
	}
	b.ReportMetric(perSignature/watch, "x-faster-than-per-signature")
	b.ReportMetric(watch/hash*100, "%-of-sha256")
	fmt.Printf("watch %.0f MB/s (vector %v), one bytes.Index per signature %.0f MB/s: %.1fx faster; SHA-256 %.0f MB/s: the watch costs %.1f%% of it\n",
		1/watch, signaturePairs.vector, 1/perSignature, perSignature/watch, 1/hash, watch/hash*100)
	row.Log(b, fmt.Sprintf("signature watch over 1 MiB of random bytes (vector %v)", signaturePairs.vector),
		fmt.Sprintf("%s (%.1f %% of SHA-256's time)", benchrow.Rate(1/watch, "MB/s"), watch/hash*100),
		"one `bytes.Index` pass per signature, in process "+benchrow.Rate(1/perSignature, "MB/s"), perSignature/watch)
}

// timePerMB returns the best seconds per MB of f over n bytes in a few runs.
func timePerMB(f func(), n int) float64 {
	best := math.Inf(1)
	for range 20 {
		start := time.Now()
		f()
		best = min(best, time.Since(start).Seconds())
	}
	return best / (float64(n) / 1e6)
}

// indexEachSignature is the search the watch did before pairs.go: one
// bytes.Index pass over the buffer per signature.
func indexEachSignature(b []byte) (hits int) {
	for _, f := range formats {
		for from := 0; ; {
			j := bytes.Index(b[from:], f.magic)
			if j < 0 {
				break
			}
			hits++
			from += j + 1
		}
	}
	return hits
}
