package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestMediaJSONRoundTrip decodes records as formats 1-3 wrote them and
// compares with json.Unmarshal; plain records must take the fast path.
func TestMediaJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	texts := []string{"", "jpeg", "image/jpeg", "picture", "quote \" back \\ <&>", "\xff\xfe", "tab\there", "日本", "corrupt: unexpected EOF"}
	pick := func() string { return texts[r.IntN(len(texts))] }
	fast := 0
	for i := range 5000 {
		m := Media{SHA256: fmt.Sprintf("%064x", i), MD5: fmt.Sprintf("%032x", i), SHA1: fmt.Sprintf("%040x", i), Size: int64(r.IntN(1 << 30)),
			Type: pick(), Kind: pick(), MIME: pick(), Width: r.IntN(3) * r.IntN(9000), Height: r.IntN(3) * r.IntN(9000),
			PHash: pick(), DHash: pick(), Decoder: pick(), Error: pick(), Codec: pick()}
		if r.IntN(10) == 0 {
			m.Duration, m.Frames = r.Float64()*100, []Frame{{At: 1.5, PHash: "a", DHash: "b"}}
		}
		data, err := json.Marshal(m) // as formats 1-3 wrote it
		if err != nil {
			continue
		}
		var want, got Media
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if err := decodeMedia(data, &got); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\ngot  %+v\nwant %+v", data, got, want)
		}
		if decodeObjectFast(data, func(whole string, i int, key []byte) (int, bool) { return mediaField(data, whole, i, key, &Media{}) }) {
			fast++
		}
	}
	plain := Media{SHA256: "ab", MD5: "cd", SHA1: "ef", Size: 1234, Type: "jpeg", Kind: "picture", MIME: "image/jpeg", Width: 640, Height: 480, PHash: "0123456789abcdef", DHash: "fedcba9876543210", Decoder: "turbojpeg"}
	data, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	var f Media
	if !decodeObjectFast(data, func(whole string, i int, key []byte) (int, bool) { return mediaField(data, whole, i, key, &f) }) || !reflect.DeepEqual(f, plain) {
		t.Fatalf("plain record %s not read by the fast path: %+v", data, f)
	}
	t.Logf("%d of 5000 random records took the fast path", fast)
}

var mediaJSONSeeds = []string{
	`{"sha256":"ab","md5":"cd","sha1":"ef","size":12,"type":"jpeg","kind":"picture","mime":"image/jpeg","width":3,"height":4,"phash":"01","dhash":"02"}`,
	`{"size":-9223372036854775808,"width":9223372036854775807,"height":-1}`, `{"size":9223372036854775808}`, `{"width":1.5}`,
	`{"duration":2.5,"codec":"h264","frames":[{"at":0,"phash":"a","dhash":"b"}]}`, `{"frames":null}`, `{"SHA256":"x"}`, `{"error":"a\"b\\c\u00e9"}`,
	`{"size":"1"}`, `{"width":null}`, `{}`, ` { } `, `{"md5":"a"} x`, `{"md5":"a","md5":"b"}`, "{\"type\":\"\xff\"}", `[]`, `null`, `{"kind":"a",}`,
}

// FuzzMediaJSON: decodeMediaJSON gives what json.Unmarshal gives.
func FuzzMediaJSON(f *testing.F) { fuzzDecodesLikeJSON(f, mediaJSONSeeds, decodeMediaJSON) }
