package picture

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/bits"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// photo draws a photographic-ish picture: smooth gradients, a few shapes and
// sensor-like noise, so JPEG sizes and decode times resemble real photos.
func photo(w, h int, seed int64) *image.RGBA {
	rng := rand.New(rand.NewSource(seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type disc struct {
		x, y, r float64
		c       [3]float64
	}
	discs := make([]disc, 6)
	for i := range discs {
		discs[i] = disc{rng.Float64() * float64(w), rng.Float64() * float64(h),
			(0.05 + 0.2*rng.Float64()) * float64(min(w, h)),
			[3]float64{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}}
	}
	phase := rng.Float64() * 6
	noise := make([]int8, 4096)
	for i := range noise {
		noise[i] = int8(rng.Intn(17) - 8)
	}
	for y := 0; y < h; y++ {
		fy := float64(y) / float64(h)
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x++ {
			fx := float64(x) / float64(w)
			r := 128 + 100*math.Sin(3*fx+phase)
			g := 60 + 150*fy
			b := 128 + 90*math.Cos(2*(fx+fy)+phase)
			for _, d := range discs {
				dx, dy := float64(x)-d.x, float64(y)-d.y
				if dx*dx+dy*dy < d.r*d.r {
					r, g, b = d.c[0], d.c[1], d.c[2]
				}
			}
			// A bar pattern gives the hashes some mid frequencies.
			if (x/(w/16+1))%5 == 0 && y > h/3 && y < 2*h/3 {
				r, g, b = r*0.4, g*0.4, b*0.4
			}
			n := float64(noise[(x*7+y*13)&4095])
			row[4*x] = clamp8(r + n)
			row[4*x+1] = clamp8(g + n)
			row[4*x+2] = clamp8(b + n)
			row[4*x+3] = 255
		}
	}
	return img
}

func clamp8(v float64) uint8 {
	return uint8(max(0, min(255, v)))
}

func encJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tool finds an external encoder. Missing tools skip the test on a developer
// machine but fail under CI, naming the Debian package to install.
func tool(t testing.TB, path, debPkg string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found: apt-get install %s", path, debPkg)
	}
	t.Skipf("%s not found (apt-get install %s)", path, debPkg)
	return ""
}

// convertWith writes src as PNG into a temp dir, runs the tool to produce
// out.<ext> and returns its bytes.
func convertWith(t testing.TB, src image.Image, ext string, cmd func(in, out string) *exec.Cmd) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.png"), filepath.Join(dir, "out."+ext)
	if err := os.WriteFile(in, encPNG(t, src), 0o600); err != nil {
		t.Fatal(err)
	}
	c := cmd(in, out)
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", c.Args, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

func mirror(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(b.Max.X-1-(x-b.Min.X), y, src.At(x, y))
		}
	}
	return dst
}

func gray(src image.Image) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(x, y, color.GrayModel.Convert(src.At(x, y)))
		}
	}
	return dst
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
