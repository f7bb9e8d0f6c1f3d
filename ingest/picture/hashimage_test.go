package picture

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

// HashImage must give exactly the hashes Analyze gives for the same pixels:
// video frames are compared with pictures.
func TestHashImageMatchesAnalyze(t *testing.T) {
	img := photo(640, 480, 7)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	res, err := NewAnalyzer(Options{}).Analyze(buf.Bytes(), "png")
	if err != nil {
		t.Fatal(err)
	}
	ph, dh, err := HashImage(img)
	if err != nil {
		t.Fatal(err)
	}
	if ph != res.PHash || dh != res.DHash {
		t.Fatalf("HashImage %016x/%016x, Analyze %016x/%016x", ph, dh, res.PHash, res.DHash)
	}
	if _, _, err := HashImage(image.NewRGBA(image.Rect(0, 0, 0, 0))); err == nil {
		t.Fatal("empty image hashed without error")
	}
}
