package preview

import (
	"bytes"
	"fmt"
	"time"

	"github.com/disintegration/imaging"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"scrim/internal/benchrow"
)

func checkerboard(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 192))
	for y := 0; y < 192; y++ {
		for x := 0; x < 256; x++ {
			c := color.RGBA{200, 30, 30, 255}
			if (x/8+y/8)%2 == 0 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// contrast is the mean absolute difference between horizontal neighbours:
// blur must drive it down.
func contrast(img image.Image) (float64, bool) {
	b := img.Bounds()
	var sum float64
	gray := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X + 1; x < b.Max.X; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r0, _, _, _ := img.At(x-1, y).RGBA()
			if r1 != g1 || g1 != b1 {
				gray = false
			}
			d := float64(r1) - float64(r0)
			if d < 0 {
				d = -d
			}
			sum += d
		}
	}
	return sum / float64(b.Dx()*b.Dy()), gray
}

func TestDefaultIsGrayAndBlurred(t *testing.T) {
	thumb := checkerboard(t)
	p := DefaultPolicy()
	blurred, err := Render(thumb, Blurred, p)
	if err != nil {
		t.Fatal(err)
	}
	revealed, _ := Render(thumb, Revealed, p)
	colour, _ := Render(thumb, RevealedColour, p)
	cb, grayB := contrast(blurred)
	cr, grayR := contrast(revealed)
	_, grayC := contrast(colour)
	if !grayB || !grayR || grayC {
		t.Fatalf("grayscale: blurred %v revealed %v colour %v (want true true false)", grayB, grayR, grayC)
	}
	if !(cb*4 < cr) {
		t.Fatalf("blurred contrast %.0f not well below revealed %.0f", cb, cr)
	}
	if s := blurred.Bounds(); s.Dx() > p.Size || s.Dy() > p.Size {
		t.Fatalf("shown at %v, policy says %d px", s, p.Size)
	}
}

func TestBadThumbnail(t *testing.T) {
	if _, err := Render([]byte("not a jpeg"), Blurred, DefaultPolicy()); err == nil {
		t.Fatal("want an error")
	}
}

// BenchmarkRenderBlurred: one grid tile (decode the stored thumbnail, fit,
// grayscale, strong blur), against the same blur done at full size with one
// wide kernel, measured in the same run.
func BenchmarkRenderBlurred(b *testing.B) {
	row := benchrow.Start("ui/preview/blurred-tile")
	data := checkerboard(&testing.T{})
	p := DefaultPolicy()
	b.Run("scrim", func(b *testing.B) {
		for range b.N {
			if _, err := Render(data, Blurred, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	var fast, wide time.Duration
	const n = 50
	t0 := time.Now()
	for range n {
		Render(data, Blurred, p)
	}
	fast = time.Since(t0)
	t0 = time.Now()
	for range n {
		img, _ := jpeg.Decode(bytes.NewReader(data))
		img = imaging.Blur(imaging.Grayscale(imaging.Fit(img, p.Size, p.Size, imaging.Box)), p.BlurSigma)
	}
	wide = time.Since(t0)
	fmt.Printf("blurred tile: %.2f ms, full-size wide kernel %.2f ms: %.1fx faster\n",
		float64(fast.Microseconds())/n/1000, float64(wide.Microseconds())/n/1000, float64(wide)/float64(fast))
	// On stdout: go test drops the log of a benchmark that has
	// sub-benchmarks unless -v.
	fmt.Println(row.Row("one blurred grid tile (decode 256 px thumbnail, fit, grayscale, blur)", fmt.Sprintf("%.2f ms", float64(fast.Microseconds())/n/1000),
		fmt.Sprintf("the same blur as one wide kernel at full size, in process %.2f ms", float64(wide.Microseconds())/n/1000), float64(wide)/float64(fast)))
}
