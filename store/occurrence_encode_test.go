package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var encodeTexts = []string{"", "/a/b.jpg", "/archive.zip » x/ü.jpg", "ev1\x00\x00/p.tar", "quote \" back \\ <&>", "\xff\xfe",
	"tab\there", "日本", "del\x7f", "\u2028", "2024-05-01T12:00:00.123456789Z"}

// TestEncodeOccurrenceLikeJSON: the hand encoder writes what encoding/json
// writes, and OccurrenceKey and placeOfOccurrenceKey what their fmt and
// strings.Split versions gave, over random records.
func TestEncodeOccurrenceLikeJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pick := func() string { return encodeTexts[r.IntN(len(encodeTexts))] }
	nums := []int64{0, 1, -1, 42, 1 << 62, -1 << 63, 1<<63 - 1}
	for i := range 5000 {
		o := Occurrence{Evidence: pick(), Volume: pick(), VolumeOffset: nums[r.IntN(len(nums))], VolumeType: pick(), FS: pick(), Path: pick(),
			Inode: r.Uint64() >> r.IntN(65), Deleted: r.IntN(2) == 0, Carved: r.IntN(2) == 0, Offset: nums[r.IntN(len(nums))], Size: nums[r.IntN(len(nums))],
			Mtime: pick(), Atime: pick(), Ctime: pick(), Btime: pick(), SHA256: fmt.Sprintf("%064x", i), Error: pick(),
			Embedded: r.IntN(2) == 0, Parent: pick(), Member: pick(), DevicePath: pick()}
		checkEncodeOccurrence(t, o)
	}
}

func checkEncodeOccurrence(t *testing.T, o Occurrence) {
	t.Helper()
	want, werr := json.Marshal(o)
	got, gerr := encodeOccurrence(&o)
	if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("%+v:\ngot  %s (%v)\nwant %s (%v)", o, got, gerr, want, werr)
	}
	if k, kp := OccurrenceKey(o), occurrenceKeyPrintf(o); k != kp {
		t.Fatalf("%+v: key %q, fmt gives %q", o, k, kp)
	}
	k := OccurrenceKey(o)
	parts := strings.Split(k, "\x00")
	wantFlag := "L"
	if len(parts) >= 6 {
		wantFlag = parts[len(parts)-3]
	}
	if ev, flag := placeOfOccurrenceKey(k); ev != parts[0] || flag != wantFlag {
		t.Fatalf("%q: place %q %q, want %q %q", k, ev, flag, parts[0], wantFlag)
	}
}

// FuzzOccurrenceEncode: encodeOccurrence gives what json.Marshal gives.
func FuzzOccurrenceEncode(f *testing.F) {
	for i, s := range encodeTexts {
		f.Add(s, encodeTexts[(i+1)%len(encodeTexts)], int64(i-3), uint64(i), i%2 == 0, i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, path, member string, off int64, inode uint64, deleted, embedded bool) {
		checkEncodeOccurrence(t, Occurrence{Evidence: member, Volume: path, VolumeOffset: off, VolumeType: member, FS: "dir", Path: path,
			Inode: inode, Deleted: deleted, Carved: !deleted && embedded, Offset: off, Size: -off, Mtime: member, SHA256: path,
			Error: member, Embedded: embedded, Parent: path, Member: member, DevicePath: path})
	})
}
