package ingest

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestPrefixKeeper: the kept first bytes answer reads they cover, the
// file answers the others, whatever the chunks they were kept from; a
// keep cut short by a failed read leaves the file to answer all.
func TestPrefixKeeper(t *testing.T) {
	file := make([]byte, prefixMax+5000)
	rand.NewChaCha8([32]byte{3}).Read(file)
	rng := rand.New(rand.NewPCG(1, 1))
	var p prefixKeeper
	for b := file; len(b) > 0; {
		n := min(len(b), 1+rng.IntN(70000))
		if k, _ := p.Write(b[:n]); k != n {
			t.Fatalf("write of %d took %d", n, k)
		}
		b = b[n:]
	}
	if !bytes.Equal(p.buf, file[:prefixMax]) {
		t.Fatalf("kept %d bytes, not the first %d", len(p.buf), prefixMax)
	}
	r := p.readerAt(bytes.NewReader(file), int64(len(file)))
	for _, c := range [][2]int{{0, 512}, {prefixMax - 10, 10}, {prefixMax - 10, 20}, {prefixMax + 100, 100}, {len(file) - 1, 1}} {
		got := make([]byte, c[1])
		if n, err := r.ReadAt(got, int64(c[0])); n != c[1] || err != nil || !bytes.Equal(got, file[c[0]:c[0]+c[1]]) {
			t.Fatalf("read %v: %d bytes, %v", c, n, err)
		}
	}
	p.buf = p.buf[:100]
	if _, ok := p.readerAt(bytes.NewReader(file), int64(len(file))).(*bytes.Reader); !ok {
		t.Fatal("a cut-short keep answered reads")
	}
}
