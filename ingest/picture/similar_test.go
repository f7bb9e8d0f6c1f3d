package picture

import (
	"bytes"
	"image/jpeg"
	"sync"
	"testing"

	"github.com/disintegration/imaging"
)

// TestNearDuplicates reports how far common edits move the hashes.
func TestNearDuplicates(t *testing.T) {
	src := photo(1200, 900, 11)
	a := NewAnalyzer(Options{})
	orig, err := a.Analyze(encJPEG(t, src, 90), "jpeg")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		data  []byte
		limit int // -1: only reported
	}{
		{"resized 50%", encJPEG(t, imaging.Resize(src, 600, 450, imaging.Lanczos), 90), 6},
		{"quality 40", encJPEG(t, src, 40), 6},
		{"mirrored", encJPEG(t, mirror(src), 90), -1},
		{"grayscale", encJPEG(t, gray(src), 90), -1},
	} {
		res, err := a.Analyze(c.data, "jpeg")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p, d := hamming(orig.PHash, res.PHash), hamming(orig.DHash, res.DHash)
		t.Logf("%-12s pHash distance %2d, dHash distance %2d (%s)", c.name, p, d, res.Decoder)
		if c.limit >= 0 && p > c.limit {
			t.Errorf("%s: pHash distance %d > %d", c.name, p, c.limit)
		}
	}
}

// TestDecoderAgreement: the canonical pipeline makes hashes nearly
// independent of the decoder.
func TestDecoderAgreement(t *testing.T) {
	src := photo(2400, 1800, 12) // big enough for 1/8 scaling
	data := encJPEG(t, src, 95)
	fast := NewAnalyzer(Options{})
	pure := NewAnalyzer(Options{})
	pure.jpeg.forcePureGoJPEG = true
	png, err := fast.Analyze(encPNG(t, src), "png")
	if err != nil {
		t.Fatal(err)
	}
	scaled, err := fast.Analyze(data, "jpeg")
	if err != nil {
		t.Fatal(err)
	}
	full, err := pure.Analyze(data, "jpeg")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s vs %s: pHash %d, dHash %d", scaled.Decoder, full.Decoder,
		hamming(scaled.PHash, full.PHash), hamming(scaled.DHash, full.DHash))
	t.Logf("png vs %s: pHash %d, dHash %d", scaled.Decoder,
		hamming(png.PHash, scaled.PHash), hamming(png.DHash, scaled.DHash))
	if d := hamming(scaled.PHash, full.PHash); d > 4 {
		t.Errorf("scaled vs full decode: pHash distance %d > 4", d)
	}
	if d := hamming(png.PHash, full.PHash); d > 4 {
		t.Errorf("png vs jpeg: pHash distance %d > 4", d)
	}
	if d := hamming(png.PHash, scaled.PHash); d > 4 {
		t.Errorf("png vs scaled jpeg: pHash distance %d > 4", d)
	}
}

// TestConcurrent runs one Analyzer from four goroutines (run it with -race)
// and checks every result matches the sequential one.
func TestConcurrent(t *testing.T) {
	type item struct {
		typ  string
		data []byte
	}
	var items []item
	for i := 0; i < 4; i++ {
		src := photo(500+40*i, 400, int64(20+i))
		items = append(items, item{"jpeg", encJPEG(t, src, 85)}, item{"png", encPNG(t, src)})
	}
	items = append(items, item{"png", pngBomb(50000, 50000)}, item{"jpeg", []byte{0xFF, 0xD8, 0xFF}})
	a := NewAnalyzer(Options{MemoryBudget: 4 << 20}) // tight: goroutines must wait for each other
	want := make([]Result, len(items))
	for i, it := range items {
		want[i], _ = a.Analyze(it.data, it.typ)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for round := 0; round < 3; round++ {
				for k := range items {
					i := (k + g) % len(items)
					got, _ := a.Analyze(items[i].data, items[i].typ)
					if got.PHash != want[i].PHash || got.DHash != want[i].DHash ||
						got.Width != want[i].Width || !bytes.Equal(got.Thumb, want[i].Thumb) {
						t.Errorf("goroutine %d item %d: result differs from sequential", g, i)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	if a.budget.inUse() != 0 {
		t.Errorf("budget leaked %d bytes", a.budget.inUse())
	}
}

func FuzzAnalyze(f *testing.F) {
	types := []string{"jpeg", "png", "gif", "bmp", "webp", "tiff", "heic", "avif"}
	src := photo(64, 48, 1)
	var buf bytes.Buffer
	jpeg.Encode(&buf, src, nil)
	f.Add(buf.Bytes(), uint8(0))
	pb := new(bytes.Buffer)
	_ = imaging.Encode(pb, src, imaging.PNG)
	f.Add(pb.Bytes(), uint8(1))
	gb := new(bytes.Buffer)
	_ = imaging.Encode(gb, src, imaging.GIF)
	f.Add(gb.Bytes(), uint8(2))
	f.Add(pngBomb(1<<20, 1<<20), uint8(1))
	a := NewAnalyzer(Options{MaxPixels: 4 << 20, MemoryBudget: 64 << 20})
	f.Fuzz(func(t *testing.T, data []byte, ti uint8) {
		typ := types[int(ti)%len(types)]
		if typ == "heic" || typ == "avif" {
			// A WASM instantiation per call makes fuzzing them slow; their
			// decoders are fuzzed upstream and run under recover here.
			typ = "png"
		}
		res, err := a.Analyze(data, typ)
		if err == nil && (res.Width <= 0 || len(res.Thumb) == 0) {
			t.Fatalf("no error but result %+v", res)
		}
	})
}
