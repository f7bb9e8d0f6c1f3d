package picture

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// fixtures encodes one 320×240 picture in every format; lossy ones at high
// quality, so hashes should agree with the PNG's.
func fixtures(t *testing.T, src image.Image) map[string][]byte {
	t.Helper()
	out := map[string][]byte{
		"png":  encPNG(t, src),
		"jpeg": encJPEG(t, src, 95),
	}
	var buf bytes.Buffer
	pal := image.NewPaletted(src.Bounds(), palette.Plan9)
	draw.FloydSteinberg.Draw(pal, pal.Bounds(), src, image.Point{})
	if err := gif.Encode(&buf, pal, nil); err != nil {
		t.Fatal(err)
	}
	out["gif"] = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := bmp.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	out["bmp"] = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := tiff.Encode(&buf, src, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	out["tiff"] = bytes.Clone(buf.Bytes())
	return out
}

func TestFormats(t *testing.T) {
	src := photo(320, 240, 1)
	files := fixtures(t, src)
	a := NewAnalyzer(Options{})
	ref, err := a.Analyze(files["png"], "png")
	if err != nil {
		t.Fatal(err)
	}
	external := map[string]func(t *testing.T) []byte{
		"webp": func(t *testing.T) []byte {
			cwebp := tool(t, "cwebp", "webp")
			return convertWith(t, src, "webp", func(in, out string) *exec.Cmd {
				return exec.Command(cwebp, "-quiet", "-q", "95", in, "-o", out)
			})
		},
		"heic": func(t *testing.T) []byte {
			enc := tool(t, "heif-enc", "libheif-examples")
			return convertWith(t, src, "heic", func(in, out string) *exec.Cmd {
				return exec.Command(enc, "-q", "90", in, "-o", out)
			})
		},
		"avif": func(t *testing.T) []byte {
			enc := tool(t, "heif-enc", "libheif-examples")
			return convertWith(t, src, "avif", func(in, out string) *exec.Cmd {
				return exec.Command(enc, "-A", "-q", "90", in, "-o", out)
			})
		},
	}
	for _, typ := range []string{"jpeg", "png", "gif", "bmp", "tiff", "webp", "heic", "avif"} {
		t.Run(typ, func(t *testing.T) {
			data := files[typ]
			if data == nil {
				data = external[typ](t)
			}
			res, err := a.Analyze(data, typ)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, 320, 240, 256, 192)
			d := hamming(res.PHash, ref.PHash)
			t.Logf("%-4s decoder %-22q pHash distance to PNG %2d, dHash %2d, thumb %d bytes",
				typ, res.Decoder, d, hamming(res.DHash, ref.DHash), len(res.Thumb))
			if d > 6 {
				t.Errorf("pHash distance to the PNG is %d, want <= 6", d)
			}
		})
	}
}

// checkResult asserts dimensions, a decoder name and a decodable thumbnail
// of the expected size.
func checkResult(t *testing.T, res Result, w, h, tw, th int) {
	t.Helper()
	if res.Width != w || res.Height != h {
		t.Errorf("size %dx%d, want %dx%d", res.Width, res.Height, w, h)
	}
	if res.Decoder == "" {
		t.Error("no decoder name")
	}
	thumb, err := jpeg.Decode(bytes.NewReader(res.Thumb))
	if err != nil {
		t.Fatalf("thumbnail: %v", err)
	}
	if b := thumb.Bounds(); b.Dx() != tw || b.Dy() != th {
		t.Errorf("thumbnail %v, want %dx%d", b, tw, th)
	}
}

// TestJPEGVariants covers the JPEGs libjpeg must hand to image/jpeg (CMYK)
// and those it handles itself (grey, progressive, 4:4:4, tiny).
func TestJPEGVariants(t *testing.T) {
	a := NewAnalyzer(Options{})
	src := photo(640, 480, 2)
	ref, err := a.Analyze(encPNG(t, src), "png")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("gray", func(t *testing.T) {
		res, err := a.Analyze(encJPEG(t, gray(src), 90), "jpeg")
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, res, 640, 480, 256, 192)
		t.Logf("decoder %q", res.Decoder)
	})
	t.Run("tiny", func(t *testing.T) {
		res, err := a.Analyze(encJPEG(t, photo(40, 30, 3), 90), "jpeg")
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, res, 40, 30, 40, 30)
		t.Logf("decoder %q", res.Decoder)
	})
	t.Run("panorama", func(t *testing.T) {
		res, err := a.Analyze(encJPEG(t, photo(3000, 200, 4), 90), "jpeg")
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, res, 3000, 200, 256, 17)
		t.Logf("decoder %q", res.Decoder)
	})
	for _, v := range []struct{ name, typ string }{
		{"progressive", "-interlace Plane"},
		{"444", "-sampling-factor 1x1"},
		{"cmyk", "-colorspace CMYK"},
	} {
		t.Run(v.name, func(t *testing.T) {
			convert := tool(t, "/usr/bin/convert", "imagemagick")
			data := convertWith(t, src, "jpg", func(in, out string) *exec.Cmd {
				args := append([]string{in, "-quality", "92"}, strings.Fields(v.typ)...)
				return exec.Command(convert, append(args, out)...)
			})
			res, err := a.Analyze(data, "jpeg")
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, res, 640, 480, 256, 192)
			d := hamming(res.PHash, ref.PHash)
			t.Logf("decoder %q, pHash distance to PNG %d", res.Decoder, d)
			if d > 6 && v.name != "cmyk" {
				t.Errorf("pHash distance %d > 6", d)
			}
		})
	}
}

// TestAnimatedWebP: x/image/webp cannot decode animation; the first frame
// comes from gen2brain/webp instead.
func TestAnimatedWebP(t *testing.T) {
	g2w := tool(t, "gif2webp", "webp")
	var buf bytes.Buffer
	anim := &gif.GIF{}
	for i := 0; i < 2; i++ {
		p := image.NewPaletted(image.Rect(0, 0, 300, 200), palette.Plan9)
		draw.Draw(p, p.Bounds(), photo(300, 200, int64(i)), image.Point{}, draw.Src)
		anim.Image = append(anim.Image, p)
		anim.Delay = append(anim.Delay, 10)
	}
	if err := gif.EncodeAll(&buf, anim); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := dir+"/a.gif", dir+"/a.webp"
	writeFile(t, in, buf.Bytes())
	if b, err := exec.Command(g2w, "-quiet", in, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	res, err := NewAnalyzer(Options{}).Analyze(readFile(t, out), "webp")
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, 300, 200, 256, 170)
	t.Logf("decoder %q", res.Decoder)
}

func TestUnsupported(t *testing.T) {
	_, err := NewAnalyzer(Options{}).Analyze([]byte("hello"), "pdf")
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
}

func TestThumbSize(t *testing.T) {
	data := encJPEG(t, photo(1200, 900, 5), 90)
	def, err := NewAnalyzer(Options{}).Analyze(data, "jpeg")
	if err != nil {
		t.Fatal(err)
	}
	big, err := NewAnalyzer(Options{ThumbSize: 512}).Analyze(data, "jpeg")
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, big, 1200, 900, 512, 384)
	t.Logf("thumb 512: decoder %q", big.Decoder)
	// Hashes do not depend on the thumbnail size: HashPipeline is a constant.
	if d := hamming(def.PHash, big.PHash); d > 2 {
		t.Errorf("pHash moved by %d with ThumbSize 512", d)
	}
}

// TestTransparentPNG: alpha is premultiplied (over black) for hash and thumb.
func TestTransparentPNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.NRGBA{})
	res, err := NewAnalyzer(Options{}).Analyze(encPNG(t, img), "png")
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res, 300, 300, 256, 256)
}
