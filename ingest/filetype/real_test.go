package filetype

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Real files, written by real encoders, under names that lie on purpose: the
// extension must never matter.

// missing fails under CI, where the Makefile installs every tool, and skips
// on a developer machine that lacks one.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// need returns the path of tool, which the Debian package pkg provides.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		missing(t, "%s not found: install the Debian package %s (make deps-test)", tool, pkg)
	}
	return path
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// readHead reads what the ingest worker hands Sniff: the first HeadSize bytes.
func readHead(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, HeadSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		t.Fatal(err)
	}
	return head[:n]
}

func assertSniff(t *testing.T, path, want string) {
	t.Helper()
	head := readHead(t, path)
	got := Sniff(head)
	if got.Name != want || got.Kind != kindOf(want) {
		t.Fatalf("%s: Sniff = %+v, want %q (%s); head % x", filepath.Base(path), got, want, kindOf(want), head[:min(len(head), 48)])
	}
}

// testImage is a small gradient with some alpha, so encoders keep detail.
func testImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.NRGBA{uint8(x * 4), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	return img
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRealGoEncoders(t *testing.T) {
	img := testImage()
	cases := []struct {
		file, want string
		encode     func(io.Writer) error
	}{
		{"notes.txt", "jpeg", func(w io.Writer) error { return jpeg.Encode(w, img, nil) }},
		{"photo.jpg", "png", func(w io.Writer) error { return png.Encode(w, img) }},
		{"photo.png", "gif", func(w io.Writer) error { return gif.Encode(w, img, nil) }},
		{"letter.doc", "bmp", func(w io.Writer) error { return bmp.Encode(w, img) }},
		{"scan.bmp", "tiff", func(w io.Writer) error { return tiff.Encode(w, img, nil) }},
		{"scan.pdf", "tiff", func(w io.Writer) error { return tiff.Encode(w, img, &tiff.Options{Compression: tiff.Deflate}) }},
		{"photos.jpg", "zip", func(w io.Writer) error {
			z := zip.NewWriter(w)
			f, err := z.Create("a.jpg")
			if err == nil {
				err = jpeg.Encode(f, img, nil)
			}
			if err != nil {
				return err
			}
			return z.Close()
		}},
		{"backup.png", "gzip", func(w io.Writer) error {
			z := gzip.NewWriter(w)
			if err := png.Encode(z, img); err != nil {
				return err
			}
			return z.Close()
		}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.want+" as "+c.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.encode(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			assertSniff(t, path, c.want)
		})
	}
}

// TestRealHostFiles sniffs files that are already on any machine running the
// tests: the test binary itself and this package's source.
func TestRealHostFiles(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	assertSniff(t, exe, "elf")
	assertSniff(t, "filetype.go", "text")
}

func TestRealHEIF(t *testing.T) {
	heifEnc := need(t, "heif-enc", "libheif-examples")
	dir := t.TempDir()
	src := filepath.Join(dir, "in.png")
	writePNG(t, src)
	t.Run("heic as .jpg", func(t *testing.T) {
		out := filepath.Join(dir, "holiday.jpg")
		run(t, heifEnc, "-q", "50", "-o", out, src)
		assertSniff(t, out, "heic")
	})
	t.Run("avif as .png", func(t *testing.T) {
		out := filepath.Join(dir, "holiday.png")
		run(t, heifEnc, "--avif", "-q", "50", "-o", out, src)
		assertSniff(t, out, "avif")
	})
}

func TestRealWebP(t *testing.T) {
	cwebp := need(t, "cwebp", "webp")
	dir := t.TempDir()
	src := filepath.Join(dir, "in.png")
	writePNG(t, src)
	for _, c := range []struct {
		file string
		args []string
	}{{"photo.gif", []string{"-q", "60"}}, {"photo.jpeg", []string{"-lossless"}}} {
		t.Run(c.file, func(t *testing.T) {
			out := filepath.Join(dir, c.file)
			run(t, cwebp, append(c.args, "-quiet", src, "-o", out)...)
			assertSniff(t, out, "webp")
		})
	}
}

// ffmpegEncoders lists the encoders this ffmpeg was built with: Debian's has
// them all, a minimal build may not.
func ffmpegEncoders(t *testing.T, ffmpeg string) map[string]bool {
	t.Helper()
	out, err := exec.Command(ffmpeg, "-hide_banner", "-encoders").Output()
	if err != nil {
		t.Fatalf("ffmpeg -encoders: %v", err)
	}
	encoders := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) >= 2 && len(f[0]) == 6 {
			encoders[f[1]] = true
		}
	}
	return encoders
}

func TestRealFFmpeg(t *testing.T) {
	ffmpeg := need(t, "ffmpeg", "ffmpeg")
	encoders := ffmpegEncoders(t, ffmpeg)
	video := []string{"-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "1"}
	qcif := []string{"-f", "lavfi", "-i", "testsrc=size=176x144:rate=25", "-t", "1"}
	audio := []string{"-f", "lavfi", "-i", "sine=frequency=440:duration=1"}
	cases := []struct {
		file, want string
		input      []string
		encoder    string
		args       []string // codec and muxer; -f because the extension lies
	}{
		{"clip.txt", "mp4", video, "mpeg4", []string{"-c:v", "mpeg4", "-f", "mp4"}},
		{"clip.doc", "mp4", video, "libx264", []string{"-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart", "-f", "mp4"}},
		{"clip.jpg", "mov", video, "mpeg4", []string{"-c:v", "mpeg4", "-f", "mov"}},
		{"clip.png", "3gp", qcif, "h263", []string{"-c:v", "h263", "-f", "3gp"}},
		{"clip.3g2", "3gp", qcif, "mpeg4", []string{"-c:v", "mpeg4", "-f", "3g2"}},
		{"clip.mp3", "avi", video, "mpeg4", []string{"-c:v", "mpeg4", "-f", "avi"}},
		{"clip.gif", "wmv", video, "wmv2", []string{"-c:v", "wmv2", "-f", "asf"}},
		{"clip.pdf", "mkv", video, "mpeg4", []string{"-c:v", "mpeg4", "-f", "matroska"}},
		{"clip.zip", "webm", video, "libvpx", []string{"-c:v", "libvpx", "-deadline", "realtime", "-f", "webm"}},
		{"clip.bmp", "flv", video, "flv", []string{"-c:v", "flv", "-f", "flv"}},
		{"clip.dat", "mpeg-ts", video, "mpeg2video", []string{"-c:v", "mpeg2video", "-f", "mpegts"}},
		{"clip.jpeg", "mpeg-ts", video, "mpeg2video", []string{"-c:v", "mpeg2video", "-f", "mpegts", "-mpegts_m2ts_mode", "1"}},
		{"clip.heic", "mpeg-ps", video, "mpeg1video", []string{"-c:v", "mpeg1video", "-f", "mpeg"}},
		{"clip.tif", "mpeg-ps", video, "mpeg2video", []string{"-c:v", "mpeg2video", "-f", "vob"}},
		{"song.mp4", "m4a", audio, "aac", []string{"-c:a", "aac", "-f", "ipod"}},
		{"song.avi", "mp3", audio, "libmp3lame", []string{"-c:a", "libmp3lame", "-f", "mp3"}},
		{"song.mov", "mp3", audio, "libmp3lame", []string{"-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0", "-f", "mp3"}},
		{"song.wmv", "wma", audio, "wmav2", []string{"-c:a", "wmav2", "-f", "asf"}},
		{"song.mkv", "wav", audio, "pcm_s16le", []string{"-c:a", "pcm_s16le", "-f", "wav"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.want+" as "+c.file, func(t *testing.T) {
			t.Parallel()
			if !encoders[c.encoder] {
				missing(t, "ffmpeg lacks the %s encoder: install the Debian package ffmpeg (make deps-test)", c.encoder)
			}
			out := filepath.Join(dir, c.file)
			args := append([]string{"-v", "error", "-nostdin", "-y"}, c.input...)
			run(t, ffmpeg, append(append(args, c.args...), out)...)
			assertSniff(t, out, c.want)
		})
	}
}
