package filetype

import (
	"bytes"
	"testing"
)

// FuzzSniff: any bytes at all give a well-formed Type, the same one twice.
func FuzzSniff(f *testing.F) {
	for _, c := range sniffCases() {
		f.Add(c.head)
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		before := bytes.Clone(head)
		got := Sniff(head)
		checkType(t, head, got)
		if again := Sniff(head); again != got {
			t.Fatalf("Sniff not deterministic: %+v then %+v", got, again)
		}
		if !bytes.Equal(before, head) {
			t.Fatal("Sniff modified its input")
		}
	})
}
