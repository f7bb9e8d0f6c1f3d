package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestOccurrenceJSONRoundTrip decodes records written by encoding/json,
// as the store writes them, and compares with json.Unmarshal.
func TestOccurrenceJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	texts := []string{"", "/a/b.jpg", "/archive.zip » x/ü.jpg", "ev1\x00\x00/p.tar", "quote \" back \\ <&>", "\xff\xfe", "tab\there", "日本"}
	pick := func() string { return texts[r.IntN(len(texts))] }
	nums := []int64{0, 1, -1, 42, 1 << 62, -1 << 63, 1<<63 - 1}
	fast := 0
	for i := range 5000 {
		o := Occurrence{Evidence: pick(), Volume: pick(), VolumeOffset: nums[r.IntN(len(nums))], VolumeType: pick(), FS: pick(), Path: pick(),
			Inode: r.Uint64() >> r.IntN(64), Deleted: r.IntN(2) == 0, Carved: r.IntN(2) == 0, Offset: nums[r.IntN(len(nums))], Size: int64(r.IntN(1 << 20)),
			Mtime: pick(), Atime: pick(), Ctime: pick(), Btime: pick(), SHA256: fmt.Sprintf("%064x", i), Error: pick(),
			Embedded: r.IntN(2) == 0, Parent: pick(), Member: pick(), DevicePath: pick()}
		data, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var want, got, f Occurrence
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if err := decodeOccurrence(data, &got); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\ngot  %+v\nwant %+v", data, got, want)
		}
		if decodeOccurrenceFast(data, &f) {
			fast++
		}
	}
	// Records without escapes or odd bytes must take the fast path.
	plain := Occurrence{Evidence: "ev1", FS: "dir", Path: "/a » b/ü.jpg", SHA256: "ab", Size: 3, Mtime: "2024-05-01T12:00:00Z", Embedded: true, Parent: "ev1\x00\x00/p.tar", Member: "b/ü.jpg", Inode: 7, VolumeOffset: -2}
	data, _ := json.Marshal(plain)
	var f Occurrence
	if !decodeOccurrenceFast(data, &f) || !reflect.DeepEqual(f, plain) {
		t.Fatalf("plain record %s not read by the fast path: %+v", data, f)
	}
	t.Logf("%d of 5000 random records took the fast path", fast)
}

var occurrenceJSONSeeds = []string{
	`{"evidence":"e","volume":"","fs":"dir","path":"/a","deleted":false,"carved":true,"offset":0,"size":12,"sha256":"ab"}`,
	`{"inode":18446744073709551615,"offset":-9223372036854775808,"volume_offset":9223372036854775807}`,
	`{"inode":18446744073709551616}`, `{"offset":-9223372036854775809}`, `{"size":1.0}`, `{"size":01}`, `{"size":-0}`, `{"size":1e3}`,
	`{"Evidence":"x"}`, `{"path":"a\u00e9"}`, `{"path":null}`, `{"deleted":null}`, `{"deleted":1}`, `{"x":1}`, `{}`, ` { } `, `{"path":"a"} x`,
	`{"path":"a","path":"b"}`, `{"parent":"ev\u0000\u0000/p.tar","member":"a\"b\\c\/d\b\f\n\r\t"}`, `{"path":"\ud83d\ude00"}`, `{"path":"\ud83d"}`,
	`{"path":"\u00E9\u2028"}`, `{"path":"\u12"}`, `{"path":"\x"}`, `{"path":"\u+123"}`, "{\"path\":\"\xff\"}", `[]`, `null`, `{"path":"a",}`, `{"size":"1"}`,
}

// FuzzOccurrenceJSON: decodeOccurrence gives what json.Unmarshal gives.
func FuzzOccurrenceJSON(f *testing.F) { fuzzDecodesLikeJSON(f, occurrenceJSONSeeds, decodeOccurrence) }

func TestOccurrenceJSONSeeds(t *testing.T) {
	for _, s := range occurrenceJSONSeeds {
		checkDecodesLikeJSON(t, []byte(s), decodeOccurrence)
	}
}

// fuzzDecodesLikeJSON fuzzes decode from seeds with checkDecodesLikeJSON.
func fuzzDecodesLikeJSON[T any](f *testing.F, seeds []string, decode func([]byte, *T) error) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDecodesLikeJSON(t, data, decode) })
}

// checkDecodesLikeJSON: decode fails where json.Unmarshal fails, and
// otherwise gives the same value.
func checkDecodesLikeJSON[T any](t *testing.T, data []byte, decode func([]byte, *T) error) {
	t.Helper()
	var want, got T
	werr := json.Unmarshal(data, &want)
	gerr := decode(data, &got)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: error %v, json.Unmarshal says %v", data, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\ngot  %+v\nwant %+v", data, got, want)
	}
}
