package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

var encodeTexts = []string{"", "/a/b.jpg", "/archive.zip » x/ü.jpg", "ev1\x00\x00/p.tar", "quote \" back \\ <&>", "\xff\xfe",
	"tab\there", "日本", "del\x7f", "\u2028", "2024-05-01T12:00:00.123456789Z"}

// TestOccurrenceBinaryRoundTrip: every place record reads back as it was
// written, and OccurrenceKey and placeOfOccurrenceKey give what their fmt
// and strings.Split versions gave, over random records.
func TestOccurrenceBinaryRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pick := func() string { return encodeTexts[r.IntN(len(encodeTexts))] }
	nums := []int64{0, 1, -1, 42, 1 << 62, -1 << 63, 1<<63 - 1}
	shas := []string{"", "ab", "AB", "abc", "xyz", "0"}
	for i := range 5000 {
		o := Occurrence{Evidence: pick(), Volume: pick(), VolumeOffset: nums[r.IntN(len(nums))], VolumeType: pick(), FS: pick(), Path: pick(),
			Inode: r.Uint64() >> r.IntN(65), Deleted: r.IntN(2) == 0, Carved: r.IntN(2) == 0, Offset: nums[r.IntN(len(nums))], Size: nums[r.IntN(len(nums))],
			Mtime: pick(), Atime: pick(), Ctime: pick(), Btime: pick(), SHA256: fmt.Sprintf("%064x", i), Error: pick(),
			Embedded: r.IntN(2) == 0, Parent: pick(), Member: pick(), DevicePath: pick()}
		if i%5 == 0 {
			o.SHA256 = shas[r.IntN(len(shas))]
		}
		checkOccurrenceBinary(t, o)
	}
}

// TestOccurrenceBinaryIsSmaller: a small file's place takes about half
// its JSON, the reason for the format.
func TestOccurrenceBinaryIsSmaller(t *testing.T) {
	o := Occurrence{Evidence: "tree", Path: "/d000/s619/f0619782.txt", Inode: 9986055, Size: 1500,
		Mtime: "2026-12-07T05:54:53.414585402Z", Atime: "2026-12-07T05:54:53.418585401Z", Ctime: "2026-12-07T05:54:53.414585402Z",
		SHA256: "69b98db06113002f9b143f88a4f597ec1e8310cd69649c1866e5afabdc6297d3"}
	j, _ := json.Marshal(o)
	if b := encodeOccurrence(&o); 2*len(b) > len(j)+len(j)/5 {
		t.Fatalf("binary place %d bytes, JSON %d", len(b), len(j))
	}
}

func checkOccurrenceBinary(t *testing.T, o Occurrence) {
	t.Helper()
	b := encodeOccurrence(&o)
	var got Occurrence
	if err := decodeOccurrence(b, &got); err != nil || got != o {
		t.Fatalf("%+v:\nread back %+v (%v)", o, got, err)
	}
	for n := range len(b) { // cut short anywhere: refused, never misread
		if err := decodeOccurrence(b[:n], &got); err == nil {
			t.Fatalf("%+v: %d of %d bytes read as %+v", o, n, len(b), got)
		}
	}
	if err := decodeOccurrence(append(b, 0), &got); err == nil {
		t.Fatalf("%+v: a byte more was read as %+v", o, got)
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

// FuzzOccurrenceBinary: any record of fields reads back as it was; any
// bytes given as a place record are read or refused, never a panic, and
// what is read writes and reads back the same.
func FuzzOccurrenceBinary(f *testing.F) {
	for i, s := range encodeTexts {
		f.Add(s, encodeTexts[(i+1)%len(encodeTexts)], int64(i-3), uint64(i), i%2 == 0, i%3 == 0, []byte(nil))
	}
	o := Occurrence{Evidence: "ev", Path: "/a.jpg", Size: 3, SHA256: fmt.Sprintf("%064x", 7), Embedded: true}
	f.Add("", "", int64(0), uint64(0), false, false, encodeOccurrence(&o))
	f.Add("", "", int64(0), uint64(0), false, false, []byte{binaryRecordMark, 0xff})
	f.Fuzz(func(t *testing.T, path, member string, off int64, inode uint64, deleted, embedded bool, raw []byte) {
		checkOccurrenceBinary(t, Occurrence{Evidence: member, Volume: path, VolumeOffset: off, VolumeType: member, FS: "dir", Path: path,
			Inode: inode, Deleted: deleted, Carved: !deleted && embedded, Offset: off, Size: -off, Mtime: member, SHA256: path,
			Error: member, Embedded: embedded, Parent: path, Member: member, DevicePath: path})
		if len(raw) == 0 || raw[0] != binaryRecordMark {
			return // JSON: FuzzOccurrenceJSON
		}
		var got, again Occurrence
		if decodeOccurrence(raw, &got) != nil {
			return
		}
		if err := decodeOccurrence(encodeOccurrence(&got), &again); err != nil || again != got {
			t.Fatalf("%q read as %+v, written and read again as %+v (%v)", raw, got, again, err)
		}
	})
}
