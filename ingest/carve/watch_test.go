package carve

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// watchAll writes b to a fresh Watch in chunks of the sizes next gives.
func watchAll(b []byte, next func() int) bool {
	var w Watch
	for len(b) > 0 {
		n := min(next(), len(b))
		w.Write(b[:n])
		b = b[n:]
	}
	return w.Found()
}

// TestWatch: a picture of each type placed in random bytes is seen
// whatever the chunks it is written in (its signature cut by every
// possible edge); random bytes alone are not; CarveAt over the candidates
// finds exactly what Carve finds.
func TestWatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	img := image.NewPaletted(image.Rect(0, 0, 16, 16), color.Palette{color.Black, color.White})
	var j, p, g bytes.Buffer
	jpeg.Encode(&j, img, nil)
	png.Encode(&p, img)
	gif.Encode(&g, img, nil)
	pics := map[string][]byte{"jpeg": j.Bytes(), "png": p.Bytes(), "gif": g.Bytes()}
	whole := func() int { return 1 << 30 }
	if watchAll(noise, whole) || watchAll(noise, func() int { return 1 + rng.IntN(40) }) {
		t.Fatal("random bytes seen as holding a picture")
	}
	for name, pic := range pics {
		for _, at := range []int{0, 1, 1572, 65535, 1<<20 - 3} {
			b := append(append(append([]byte(nil), noise[:at]...), pic...), noise[:100]...)
			for _, chunk := range []int{1, 2, 3, 7, 17, 18, 4096, 1 << 20} {
				if !watchAll(b, func() int { return chunk }) {
					t.Errorf("%s at %d not seen in chunks of %d", name, at, chunk)
				}
			}
			if !watchAll(b, func() int { return 1 + rng.IntN(50) }) {
				t.Errorf("%s at %d not seen in random chunks", name, at)
			}
		}
	}
	// CarveAt over Watch's candidates finds what Carve finds, on random
	// bytes with pictures sprinkled in (some inside others' bytes).
	for round := range 30 {
		b := append([]byte(nil), noise[:rng.IntN(1<<16)+1]...)
		for _, pic := range pics {
			if rng.IntN(2) == 0 {
				b = append(append(b, pic...), noise[:rng.IntN(100)]...)
			}
			if rng.IntN(3) == 0 { // a picture's signature inside another's bytes, and a false start
				b = append(append(b, pic[:len(pic)/2]...), "\xff\xd8\xff\xe0\x00\x10JFIF"...)
			}
		}
		var carved, at []Found
		if round%2 == 0 {
			b = append(append([]byte(nil), pics["png"]...), b...) // a picture at offset 0 too
		}
		Carve(context.Background(), bytes.NewReader(b), 0, int64(len(b)), func(f Found) error {
			carved = append(carved, f)
			return nil
		})
		var w Watch
		for rest := b; len(rest) > 0; {
			n := min(1+rng.IntN(300), len(rest))
			w.Write(rest[:n])
			rest = rest[n:]
		}
		CarveAt(context.Background(), bytes.NewReader(b), int64(len(b)), w.Candidates(), func(f Found) error {
			at = append(at, f)
			return nil
		})
		if fmt.Sprint(carved) != fmt.Sprint(at) {
			t.Errorf("round %d: Carve finds %v, CarveAt over %d candidates %v", round, carved, len(w.Candidates()), at)
		}
	}
}
