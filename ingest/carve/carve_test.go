package carve

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"

	"scrim/internal/benchrow"
)

func picture(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 3), uint8(y * 5), uint8(r.IntN(64)), 255})
		}
	}
	return img
}

func encoded(t testing.TB) map[string][]byte {
	t.Helper()
	img := picture(120, 90, 1)
	out := map[string][]byte{}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	out["jpeg"] = bytes.Clone(b.Bytes())
	b.Reset()
	png.Encode(&b, img)
	out["png"] = bytes.Clone(b.Bytes())
	b.Reset()
	gif.Encode(&b, img, nil)
	out["gif"] = bytes.Clone(b.Bytes())
	b.Reset()
	bmp.Encode(&b, img)
	out["bmp"] = bytes.Clone(b.Bytes())
	// Progressive JPEG and WebP come from real encoders.
	dir := t.TempDir()
	src := filepath.Join(dir, "src.png")
	os.WriteFile(src, out["png"], 0o644)
	for name, cmd := range map[string][]string{
		"jpeg-progressive": {"/usr/bin/convert", src, "-interlace", "Plane", "-quality", "80", filepath.Join(dir, "p.jpg")},
		"webp":             {"cwebp", "-quiet", src, "-o", filepath.Join(dir, "w.webp")},
	} {
		if _, err := exec.LookPath(cmd[0]); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s missing (apt-get install imagemagick webp)", cmd[0])
			}
			continue
		}
		if o, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", cmd, err, o)
		}
		data, _ := os.ReadFile(cmd[len(cmd)-1])
		out[name] = data
	}
	return out
}

func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

type placed struct {
	off  int64
	typ  string
	data []byte
}

// disk lays pictures into noise, one straddling the carver's block boundary,
// plus decoys: signatures followed by garbage and a truncated JPEG.
func disk(t testing.TB) ([]byte, []placed) {
	pics := encoded(t)
	d := noise(blockSize+3<<20, 9)
	var want []placed
	off := int64(4096)
	for _, name := range []string{"jpeg", "png", "gif", "bmp", "webp", "jpeg-progressive"} {
		data, ok := pics[name]
		if !ok {
			continue
		}
		typ := name
		if name == "jpeg-progressive" {
			typ = "jpeg"
		}
		copy(d[off:], data)
		want = append(want, placed{off, typ, data})
		off += int64(len(data)) + 8192
	}
	// Straddles the first block boundary.
	straddle := int64(blockSize) - int64(len(pics["jpeg"])/2)
	copy(d[straddle:], pics["jpeg"])
	want = append(want, placed{straddle, "jpeg", pics["jpeg"]})
	// Decoys.
	copy(d[blockSize+1<<20:], pics["jpeg"][:len(pics["jpeg"])/3])
	copy(d[blockSize+2<<20:], []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDX"))
	return d, want
}

func TestCarveFindsExactlyThePictures(t *testing.T) {
	d, want := disk(t)
	var got []Found
	err := Carve(context.Background(), bytes.NewReader(d), 0, int64(len(d)), func(f Found) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("found %d, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Offset != w.off || g.Type != w.typ || g.Size != int64(len(w.data)) {
			t.Errorf("#%d: found %+v, want offset %d %s size %d", i, g, w.off, w.typ, len(w.data))
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Offset < got[i-1].Offset+got[i-1].Size {
			t.Errorf("overlapping or unordered: %+v %+v", got[i-1], got[i])
		}
	}
}

func TestCarveWithinRange(t *testing.T) {
	d, want := disk(t)
	// A range that cuts the second picture in half must not report it.
	start := want[1].off + 10
	var got []Found
	Carve(context.Background(), bytes.NewReader(d), start, int64(len(want[2].data))+want[2].off-start+100, func(f Found) error {
		got = append(got, f)
		return nil
	})
	if len(got) != 1 || got[0].Offset != want[2].off {
		t.Fatalf("got %+v, want only the picture at %d", got, want[2].off)
	}
}

func FuzzCarve(f *testing.F) {
	for _, data := range encoded(f) {
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		last := int64(0)
		Carve(context.Background(), bytes.NewReader(data), 0, int64(len(data)), func(fd Found) error {
			if fd.Offset < last || fd.Size <= 0 || fd.Offset+fd.Size > int64(len(data)) {
				t.Fatalf("bad find %+v in %d bytes", fd, len(data))
			}
			last = fd.Offset + fd.Size
			return nil
		})
	})
}

// BenchmarkCarve scans incompressible bytes (the worst case for signature
// hits) beside a plain read of the same bytes in the same run.
func BenchmarkCarve(b *testing.B) {
	row := benchrow.Start("ingest/carve/random-bytes")
	d := noise(128<<20, 3)
	r := bytes.NewReader(d)
	b.SetBytes(int64(len(d)))
	for b.Loop() {
		Carve(context.Background(), r, 0, int64(len(d)), func(Found) error { return nil })
	}
	carveRate := float64(len(d)) * float64(b.N) / b.Elapsed().Seconds()
	buf := make([]byte, blockSize)
	start := nowSeconds()
	for off := int64(0); off < int64(len(d)); off += blockSize {
		r.ReadAt(buf, off)
	}
	readRate := float64(len(d)) / (nowSeconds() - start)
	b.ReportMetric(carveRate/1e6, "carve-MB/s")
	b.ReportMetric(readRate/1e6, "read-MB/s")
	b.ReportMetric(carveRate/readRate, "ratio-vs-read")
	row.Log(b, "carving 128 MiB of random bytes in memory", benchrow.Rate(carveRate/1e6, "MB/s"),
		"reading the same blocks (ReadAt), in process "+benchrow.Rate(readRate/1e6, "MB/s"), carveRate/readRate)
}
