package export

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// everyField fills every field of a FileRow with a non-zero value built
// from s, so a field the hand-written encoder leaves out shows.
func everyField(s string, n int64, f float64) FileRow {
	var r FileRow
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		switch fv := v.Field(i); fv.Kind() {
		case reflect.String:
			fv.SetString(s + v.Type().Field(i).Name)
		case reflect.Bool:
			fv.SetBool(true)
		case reflect.Int, reflect.Int64:
			fv.SetInt(n + int64(i))
		case reflect.Uint64:
			fv.SetUint(uint64(n) + uint64(i))
		case reflect.Float64:
			fv.SetFloat(f)
		case reflect.Pointer: // the signals fields: *int and *float64
			p := reflect.New(fv.Type().Elem())
			if p.Elem().Kind() == reflect.Int {
				p.Elem().SetInt(n + int64(i))
			} else {
				p.Elem().SetFloat(f)
			}
			fv.Set(p)
		default:
			panic("FileRow field of a kind the test does not fill: " + v.Type().Field(i).Name)
		}
	}
	return r
}

func checkRowJSON(t *testing.T, r FileRow) {
	t.Helper()
	var want strings.Builder
	if err := json.NewEncoder(&want).Encode(r); err != nil {
		return // encoding/json refuses it (NaN): Write refuses it too
	}
	if got := string(r.appendJSON(nil)); got != want.String() {
		t.Fatalf("row JSON differs from encoding/json\n got %s\nwant %s", got, want.String())
	}
}

// TestFileRowJSONMatchesEncodingJSON: the fast writer of `scrim files`
// writes byte for byte what encoding/json wrote, for every field.
func TestFileRowJSONMatchesEncodingJSON(t *testing.T) {
	checkRowJSON(t, FileRow{})
	for _, s := range []string{"plain/", "<a&b>\"q\"\\", "tab\t nl\n cr\r \b\f \x00\x1f\x7f", "naïve ✓ \u2028\u2029", "bad \xff\xfe utf8 \xe2\x82", "/path/ä » member.jpg"} {
		for _, f := range []float64{0, 1.5, 12.345678, 1e-7, 3e21, -2.25, 0.000001} {
			checkRowJSON(t, everyField(s, -5, f))
			checkRowJSON(t, everyField(s, math.MaxInt64-100, f))
		}
	}
	var b strings.Builder
	w, _ := NewRowWriter(&b, "jsonl")
	if err := w.Write(FileRow{Path: "/v.mp4", Duration: math.NaN()}); err == nil || !strings.Contains(err.Error(), "/v.mp4") {
		t.Fatalf("NaN duration: %v", err)
	}
}

func FuzzFileRowJSON(f *testing.F) {
	f.Add("a<b>&", int64(7), 1.25)
	f.Add("\xff\u2028\n", int64(-1), 1e-9)
	f.Fuzz(func(t *testing.T, s string, n int64, d float64) {
		if n < 0 {
			n = -n // Uint64 fields take n too
		}
		checkRowJSON(t, everyField(s, n/2, d))
	})
}

// plain8 never calls a word plain that holds a byte jsonPlain does not
// mark, and calls plain every word of plain bytes.
func TestPlain8(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	word := func(b [8]byte) uint64 { return load8(string(b[:]), 0) }
	for range 200_000 {
		var b [8]byte
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0x60)) // mostly plain ASCII
		}
		if rng.IntN(2) == 0 {
			b[rng.IntN(8)] = byte(rng.IntN(256)) // one byte of anything
		}
		want := true
		for _, c := range b {
			want = want && c < utf8.RuneSelf && jsonPlain[c]
		}
		if got := plain8(word(b)); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", b[:], got, want)
		}
	}
}
