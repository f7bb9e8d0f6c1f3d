package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestMediaBinaryRoundTrip: every media record reads back as it was
// written, over random records, videos included.
func TestMediaBinaryRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	pick := func() string { return encodeTexts[r.IntN(len(encodeTexts))] }
	nums := []int64{0, 1, -1, 42, 1 << 40, -1 << 31, 1<<31 - 1}
	hashes := []string{"", "0123456789abcdef", "0123456789ABCDEF", "abc", "fedcba9876543210"}
	hash := func() string { return hashes[r.IntN(len(hashes))] }
	for i := range 5000 {
		m := Media{SHA256: fmt.Sprintf("%064x", i), MD5: pick(), SHA1: fmt.Sprintf("%040x", i), Size: nums[r.IntN(len(nums))], Type: pick(), Kind: pick(),
			MIME: pick(), Width: int(nums[r.IntN(len(nums))]), Height: int(nums[r.IntN(len(nums))]), PHash: hash(), DHash: pick(),
			Decoder: pick(), Error: pick()}
		if i%7 == 0 {
			m.Duration, m.Codec = float64(i)/3, pick()
			for range r.IntN(4) {
				m.Frames = append(m.Frames, Frame{At: r.Float64() * 100, PHash: hash(), DHash: pick()})
			}
		}
		checkMediaBinary(t, m)
	}
}

func checkMediaBinary(t *testing.T, m Media) {
	t.Helper()
	b := encodeMedia(&m)
	var got Media
	if err := decodeMedia(b, &got); err != nil || !sameMedia(got, m) {
		t.Fatalf("%+v:\nread back %+v (%v)", m, got, err)
	}
	for n := range len(b) {
		if err := decodeMedia(b[:n], &got); err == nil {
			t.Fatalf("%+v: %d of %d bytes read as %+v", m, n, len(b), got)
		}
	}
	if err := decodeMedia(append(b, 0), &got); err == nil {
		t.Fatalf("%+v: a byte more was read as %+v", m, got)
	}
}

// sameMedia compares records as stored: no frames and an empty list are
// the same, and a NaN duration is itself.
func sameMedia(a, b Media) bool {
	if len(a.Frames) == 0 && len(b.Frames) == 0 {
		a.Frames, b.Frames = nil, nil
	}
	if math.Float64bits(a.Duration) == math.Float64bits(b.Duration) {
		a.Duration, b.Duration = 0, 0
	}
	for i := range min(len(a.Frames), len(b.Frames)) {
		if math.Float64bits(a.Frames[i].At) == math.Float64bits(b.Frames[i].At) {
			a.Frames[i].At, b.Frames[i].At = 0, 0
		}
	}
	return reflect.DeepEqual(a, b)
}

// FuzzMediaBinary: any record of fields reads back as it was; any bytes
// given as a media record are read or refused, never a panic, and what is
// read writes and reads back the same.
func FuzzMediaBinary(f *testing.F) {
	for i, s := range encodeTexts {
		f.Add(s, encodeTexts[(i+1)%len(encodeTexts)], int64(i-3), i-5, 0.0, []byte(nil))
	}
	v := Media{SHA256: fmt.Sprintf("%064x", 1), Kind: "video", Duration: 2.5, Frames: []Frame{{At: 1, PHash: "0123456789abcdef", DHash: "x"}}}
	f.Add("", "", int64(0), 0, 0.0, encodeMedia(&v))
	f.Add("", "", int64(0), 0, 0.0, []byte{binaryRecordMark, 0x01})
	f.Fuzz(func(t *testing.T, a, b string, size int64, wh int, duration float64, raw []byte) {
		checkMediaBinary(t, Media{SHA256: a, MD5: b, SHA1: a, Size: size, Type: b, Kind: a, MIME: b, Width: wh, Height: -wh,
			PHash: a, DHash: b, Decoder: a, Error: b, Duration: duration, Codec: b, Frames: []Frame{{At: duration, PHash: b, DHash: a}}})
		if len(raw) == 0 || raw[0] != binaryRecordMark {
			return // JSON: FuzzMediaJSON
		}
		var got, again Media
		if decodeMedia(raw, &got) != nil {
			return
		}
		if err := decodeMedia(encodeMedia(&got), &again); err != nil || !sameMedia(again, got) {
			t.Fatalf("%q read as %+v, written and read again as %+v (%v)", raw, got, again, err)
		}
	})
}
