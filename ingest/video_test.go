package ingest

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"scrim/ingest/video"
	"scrim/store"
)

// encodeClip writes a generated clip with the real ffmpeg.
func encodeClip(t testing.TB, path, source string, out ...string) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	if err := encodeClipErr(path, source, out...); err != nil {
		t.Fatal(err)
	}
}

// encodeClipErr is encodeClip for goroutines, which must not call Fatal.
func encodeClipErr(path, source string, out ...string) error {
	args := append([]string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-an"}, out...)
	cmd := exec.Command("ffmpeg", append(args, path)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg %s: %w: %s", path, err, stderr.String())
	}
	return nil
}

func mediaByPath(t *testing.T, st *store.Store, path string) store.Media {
	t.Helper()
	var sha string
	st.EachOccurrence("", func(o store.Occurrence) error {
		if strings.HasSuffix(o.Path, path) {
			sha = o.SHA256
		}
		return nil
	})
	m, ok, err := st.Media(sha)
	if err != nil || !ok {
		t.Fatalf("%s: no media (%v)", path, err)
	}
	return m
}

// Videos found by ingest get their facts, hashed frames and a contact sheet
// as thumbnail; a damaged one keeps what could be read; the temporary copies
// ffmpeg reads are gone afterwards and the evidence is untouched.
func TestIngestVideos(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	root := filepath.Join(t.TempDir(), "evidence")
	os.MkdirAll(filepath.Join(root, "v"), 0o755)
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	const src = "testsrc2=duration=3:size=320x240:rate=25"
	encodeClip(t, filepath.Join(root, "v/moov_at_end.mp4"), src, h264...)
	encodeClip(t, filepath.Join(root, "v/renamed.dat"), "mandelbrot=size=320x240:rate=25,trim=duration=3", append(h264, "-f", "matroska")...)
	whole, _ := os.ReadFile(filepath.Join(root, "v/renamed.dat"))
	os.WriteFile(filepath.Join(root, "v/cut.mkv"), whole[:len(whole)/2], 0o644)
	os.WriteFile(filepath.Join(root, "v/empty.mp4"), nil, 0o644)
	before := listTree(t, root)

	st := openCase(t)
	sum := ingestAll(t, st, root, Options{})
	if sum.Added != 4 {
		t.Fatalf("added %d, want 4", sum.Added)
	}
	for _, name := range []string{"moov_at_end.mp4", "renamed.dat"} {
		m := mediaByPath(t, st, name)
		if m.Kind != "video" || m.Codec != "h264" || m.Width != 320 || m.Height != 240 || m.Duration < 2.8 || m.Duration > 3.2 || len(m.Frames) < 5 || m.Error != "" {
			t.Errorf("%s: %s %s %dx%d %.2f s, %d frames, error %q", name, m.Kind, m.Codec, m.Width, m.Height, m.Duration, len(m.Frames), m.Error)
		}
		if len(m.Frames) > 0 && (len(m.Frames[0].PHash) != 16 || len(m.Frames[0].DHash) != 16) {
			t.Errorf("%s: frame hashes %+v", name, m.Frames[0])
		}
		th, err := st.Thumbnail(m.SHA256)
		if err != nil {
			t.Fatalf("%s: thumbnail: %v", name, err)
		}
		if img, err := jpeg.Decode(bytes.NewReader(th)); err != nil || max(img.Bounds().Dx(), img.Bounds().Dy()) > 512 {
			t.Errorf("%s: contact sheet %v", name, err)
		}
	}
	cut := mediaByPath(t, st, "cut.mkv")
	if cut.Error == "" || len(cut.Frames) == 0 {
		t.Errorf("cut video: error %q with %d frames, want an error and partial frames", cut.Error, len(cut.Frames))
	}
	t.Logf("cut video: %q, %d frames", cut.Error, len(cut.Frames))
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if after := listTree(t, root); after != before {
		t.Errorf("evidence changed:\n%s\nthen\n%s", before, after)
	}
}

// Without ffmpeg, videos are still hashed and recorded, with one warning.
func TestIngestVideosWithoutFFmpeg(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	os.MkdirAll(root, 0o755)
	encodeClip(t, filepath.Join(root, "a.mp4"), "testsrc2=duration=1:size=160x120:rate=10", "-c:v", "mpeg4")
	encodeClip(t, filepath.Join(root, "b.mp4"), "smptebars=duration=1:size=160x120:rate=10", "-c:v", "mpeg4")
	var mu sync.Mutex
	var warnings []string
	st := openCase(t)
	sum := ingestAll(t, st, root, Options{Video: video.Options{FFmpeg: filepath.Join(t.TempDir(), "no-ffmpeg")}, Warn: func(s string) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, s)
	}})
	if sum.Added != 2 || sum.Errors != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "not analysed") {
		t.Fatalf("warnings %q, want exactly one", warnings)
	}
	t.Logf("warning: %s", warnings[0])
	if m := mediaByPath(t, st, "a.mp4"); m.Kind != "video" || m.SHA256 == "" || len(m.Frames) != 0 {
		t.Fatalf("media %+v", m)
	}
}

func listTree(t *testing.T, root string) string {
	var b strings.Builder
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			fmt.Fprintln(&b, p, fi.Mode(), fi.ModTime(), fi.Size())
		}
		return nil
	})
	return b.String()
}
