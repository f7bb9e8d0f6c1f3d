package hashset

import (
	"encoding/json"
	"strings"
	"testing"
)

var validJSONCases = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `1.5e`, `1.5e+3`, `-12.25E-07`, `1e5x`, `"a"`, `"\u00e9\n"`, `"\u00g1"`, `"\x"`, "\"a\tb\"",
	"\"\xff\"", `true`, `tru`, `nullx`, `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{"a" : [1, {"b": null}] }`,
	`{"a"}`, `{1:2}`, `{"a":1 "b":2}`, `[[[]]]`, `[[]`, `[]]`, `{"a":[}`, ` {"x":"y"} `, `[1] [2]`, `"abc`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"MediaID":1,"Category":"2","MD5":"00","MediaFiles":[{"FileName":"a\\b.jpg"}]}`,
}

// TestValidJSONAgreesWithEncodingJSON checks the hand-written validator
// against json.Valid on edge cases (FuzzValidJSON does the same at random).
func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	var stack []byte
	for _, c := range validJSONCases {
		if got, want := validJSON([]byte(c), &stack), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.60q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add([]byte(c))
	}
	var stack []byte
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data, &stack), json.Valid(data); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", data, got, want)
		}
	})
}
