package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestEncodeMediaLikeJSON: the hand encoder writes what encoding/json
// writes, over random records, videos included.
func TestEncodeMediaLikeJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pick := func() string { return encodeTexts[r.IntN(len(encodeTexts))] }
	nums := []int64{0, 1, -1, 42, 1 << 40, -1 << 31, 1<<31 - 1}
	for i := range 5000 {
		m := Media{SHA256: fmt.Sprintf("%064x", i), MD5: pick(), SHA1: pick(), Size: nums[r.IntN(len(nums))], Type: pick(), Kind: pick(),
			MIME: pick(), Width: int(nums[r.IntN(len(nums))]), Height: int(nums[r.IntN(len(nums))]), PHash: pick(), DHash: pick(),
			Decoder: pick(), Error: pick()}
		if i%7 == 0 {
			m.Duration = float64(i) / 3
			m.Frames = []Frame{{At: 1.5, PHash: pick(), DHash: pick()}}
		}
		checkEncodeMedia(t, m)
	}
}

func checkEncodeMedia(t *testing.T, m Media) {
	t.Helper()
	want, werr := json.Marshal(m)
	got, gerr := encodeMedia(&m)
	if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("%+v:\ngot  %s (%v)\nwant %s (%v)", m, got, gerr, want, werr)
	}
}

// FuzzMediaEncode: encodeMedia gives what json.Marshal gives.
func FuzzMediaEncode(f *testing.F) {
	for i, s := range encodeTexts {
		f.Add(s, encodeTexts[(i+1)%len(encodeTexts)], int64(i-3), i-5, 0.0)
	}
	f.Fuzz(func(t *testing.T, a, b string, size int64, wh int, duration float64) {
		checkEncodeMedia(t, Media{SHA256: a, MD5: b, SHA1: a, Size: size, Type: b, Kind: a, MIME: b, Width: wh, Height: -wh,
			PHash: a, DHash: b, Decoder: a, Error: b, Duration: duration})
	})
}
