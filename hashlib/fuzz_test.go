package hashlib

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzManifest feeds the manifest parser anything: it errors, never panics.
func FuzzManifest(f *testing.F) {
	f.Add([]byte(`{"format":1,"next_id":2,"sets":[{"id":1,"scheme":"vic-us","categories":["1"],"hashset":{"name":"a"},"runs":[{"file":"run-1-md5-00.bin","algo":"md5","records":3}]}]}`))
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseManifest(b)
	})
}

// FuzzRun opens any bytes as a one-set library's run and matches against
// it: errors, never a panic or a read outside the mapping.
func FuzzRun(f *testing.F) {
	good := runHeader{digestLen: 16, set: 1, count: 2}.encode()
	rec := func(b byte) []byte {
		r := make([]byte, 22)
		r[0], r[19], r[21] = b, 1, 0
		return r
	}
	seed := append(append(append([]byte{}, good...), rec(1)...), rec(2)...)
	f.Add(seed)
	f.Add(good)
	f.Add([]byte("SCRIMRN1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		run := "run-1-md5-00.bin"
		if err := os.WriteFile(filepath.Join(dir, run), b, 0o600); err != nil {
			t.Fatal(err)
		}
		h, err := parseRunHeader(b, int64(len(b)))
		n := int64(0)
		if err == nil {
			n = h.count
		}
		man := `{"format":1,"next_id":2,"sets":[{"id":1,"scheme":"vic-us","categories":["1"],"hashset":{"name":"a"},"runs":[{"file":"` + run + `","algo":"md5","records":` + itoa(n) + `}]}]}`
		if err := os.WriteFile(filepath.Join(dir, manifestName), []byte(man), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open(dir)
		if err != nil {
			return
		}
		defer l.Close()
		l.Verify()
		q := make([]byte, 16*3)
		q[16], q[32] = 1, 2
		l.Match("md5", q, func(int, *Set, string) error { return nil })
	})
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
