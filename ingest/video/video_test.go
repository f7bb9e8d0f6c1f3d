package video

import (
	"bytes"
	"context"
	"encoding/binary"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/ingest/filetype"
)

// Every container the sniffer calls a video must come back with its facts,
// frames spread over its length and a contact sheet. Both MP4 layouts are
// here: index (moov) at the end, ffmpeg's default, and faststart.
func TestFormats(t *testing.T) {
	a := newTestAnalyzer(t, Options{})
	dir := t.TempDir()
	const src = "testsrc2=duration=4:size=320x240:rate=25"
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	cases := []struct {
		name, codec, sniff string
		out                []string
	}{
		{"a.mp4", "h264", "mp4", h264},
		{"faststart.mp4", "h264", "mp4", append(h264[:len(h264):len(h264)], "-movflags", "+faststart")},
		{"a.mov", "h264", "mov", h264},
		{"a.3gp", "h264", "3gp", h264},
		{"a.avi", "mpeg4", "avi", []string{"-c:v", "mpeg4"}},
		{"a.wmv", "wmv2", "wmv", []string{"-c:v", "wmv2", "-f", "asf"}},
		{"a.mkv", "h264", "mkv", h264},
		{"a.webm", "vp8", "webm", []string{"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"}},
		{"a.flv", "flv1", "flv", []string{"-c:v", "flv"}},
		{"a.ts", "mpeg2video", "mpeg-ts", []string{"-c:v", "mpeg2video", "-f", "mpegts"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := makeClip(t, dir, c.name, src, c.out...)
			head := make([]byte, filetype.HeadSize)
			f, _ := os.Open(path)
			n, _ := f.Read(head)
			f.Close()
			if ty := filetype.Sniff(head[:n]); ty.Kind != filetype.Video || ty.Name != c.sniff {
				t.Errorf("sniffed as %s/%s, want video/%s", ty.Kind, ty.Name, c.sniff)
			}
			res, err := analyze(t, a, path)
			if err != nil {
				t.Fatalf("analyze: %v", err)
			}
			if res.Codec != c.codec || res.Width != 320 || res.Height != 240 || math.Abs(res.Duration-4) > 0.3 {
				t.Errorf("got %s %dx%d %.2f s, want %s 320x240 4 s", res.Codec, res.Width, res.Height, res.Duration, c.codec)
			}
			// One frame per 0.5 s at least, spread over the whole clip.
			if len(res.Frames) < 8 || res.Frames[0].At > 0.1 || res.Frames[len(res.Frames)-1].At < 3.3 {
				t.Errorf("%d frames from %.2f to %.2f s", len(res.Frames), res.Frames[0].At, res.Frames[len(res.Frames)-1].At)
			}
			for i := 1; i < len(res.Frames); i++ {
				if res.Frames[i].At <= res.Frames[i-1].At {
					t.Errorf("frame times not increasing: %v then %v", res.Frames[i-1].At, res.Frames[i].At)
				}
			}
			checkSheet(t, res.Sheet)
		})
	}
}

func checkSheet(t *testing.T, sheet []byte) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(sheet))
	if err != nil {
		t.Fatalf("contact sheet: %v", err)
	}
	if b := img.Bounds(); max(b.Dx(), b.Dy()) > 512 || b.Dx() < 128 {
		t.Errorf("contact sheet is %dx%d", b.Dx(), b.Dy())
	}
}

// Damaged and hostile files end with an error naming the problem, partial
// results where there are some, and never a hang or a panic.
func TestBadInput(t *testing.T) {
	a := newTestAnalyzer(t, Options{})
	dir := t.TempDir()
	h264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	good := makeClip(t, dir, "good.mp4", "testsrc2=duration=4:size=320x240:rate=25", append(h264, "-movflags", "+faststart")...)
	moovEnd := makeClip(t, dir, "moovend.mp4", "testsrc2=duration=4:size=320x240:rate=25", h264...)
	mkv := makeClip(t, dir, "good.mkv", "testsrc2=duration=4:size=320x240:rate=25", h264...)
	data, _ := os.ReadFile(good)
	endData, _ := os.ReadFile(moovEnd)
	mkvData, _ := os.ReadFile(mkv)

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := bytes.Clone(data)
	for i := len(corrupt) / 3; i < len(corrupt)*2/3; i += 97 {
		corrupt[i] ^= 0x5A
	}
	huge := bytes.Clone(data)
	patchMP4Duration(t, huge)

	cases := []struct {
		name      string
		path      string
		wantErr   string // substring; "" means success
		minFrames int
	}{
		{"zero-length", write("empty.mp4", nil), "ffprobe", 0},
		{"garbage", write("garbage.mp4", bytes.Repeat([]byte("not a video "), 1000)), "ffprobe", 0},
		{"faststart truncated to half", write("half.mp4", data[:len(data)/2]), "", 2},
		{"moov at end, truncated", write("halfend.mp4", endData[:len(endData)*9/10]), "ffprobe", 0},
		{"mkv truncated to half", write("half.mkv", mkvData[:len(mkvData)/2]), "", 2},
		{"corrupt middle", write("corrupt.mp4", corrupt), "", 2},
		{"huge declared duration", write("huge.mp4", huge), "implausible", 4},
		{"header only", write("head.mp4", data[:2000]), "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			res, err := analyze(t, a, c.path)
			t.Logf("%.2f s, %d frames, duration %.1f, err: %v", time.Since(start).Seconds(), len(res.Frames), res.Duration, err)
			if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("error %v, want one containing %q", err, c.wantErr)
			}
			if len(res.Frames) < c.minFrames {
				t.Errorf("%d frames kept, want at least %d", len(res.Frames), c.minFrames)
			}
			if c.name == "huge declared duration" && res.Duration > 10 {
				t.Errorf("duration %.0f kept from the lying header", res.Duration)
			}
		})
	}
}

// A decoder that runs too long is stopped at the timeout, keeping the frames
// it produced.
func TestTimeout(t *testing.T) {
	a := newTestAnalyzer(t, Options{Timeout: 250 * time.Millisecond})
	dir := t.TempDir()
	// A lossless 1080p stream takes about 0.5 s to decode.
	path := makeClip(t, dir, "slow.mkv", "testsrc=size=1920x1080:rate=25:duration=2", "-c:v", "ffv1")
	start := time.Now()
	_, err := analyze(t, a, path)
	took := time.Since(start)
	t.Logf("stopped after %s: %v", took.Round(time.Millisecond), err)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("error %v, want a deadline", err)
	}
	if took > 5*time.Second {
		t.Fatalf("took %s to stop", took)
	}
}

// A cancelled context stops ffmpeg too.
func TestCancel(t *testing.T) {
	a := newTestAnalyzer(t, Options{})
	path := makeClip(t, t.TempDir(), "a.mp4", "testsrc2=duration=2:size=320x240:rate=25", "-c:v", "mpeg4")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Analyze(ctx, path, 1000); err == nil {
		t.Fatal("cancelled analysis succeeded")
	}
}

// patchMP4Duration sets the movie and media header durations to the
// largest value they hold: the file claims to last for years.
func patchMP4Duration(t *testing.T, b []byte) {
	t.Helper()
	patched := 0
	for _, box := range []string{"mvhd", "mdhd"} {
		for off := 0; ; {
			i := bytes.Index(b[off:], []byte(box))
			if i < 0 {
				break
			}
			p := off + i + 4 // version(1) flags(3), then times
			if b[p] == 0 {
				// creation(4) modification(4) timescale(4) duration(4)
				binary.BigEndian.PutUint32(b[p+16:], 0x7fffffff)
				patched++
			}
			off = p
		}
	}
	if patched == 0 {
		t.Fatal("no mvhd/mdhd to patch")
	}
}

// Videos longer than KeyframeSeconds decode keyframes only.
func TestKeyframesOnly(t *testing.T) {
	a := newTestAnalyzer(t, Options{FullDecodeSeconds: 0.5, KeyframeSeconds: 1})
	path := makeClip(t, t.TempDir(), "k.mp4", "testsrc2=duration=4:size=320x240:rate=25",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "12", "-sc_threshold", "0")
	res, err := analyze(t, a, path)
	if err != nil {
		t.Fatal(err)
	}
	// Keyframes every 0.48 s: 9 of them, fewer than the 16 a full decode gives.
	if !strings.Contains(res.Mode, "keyframes") || len(res.Frames) < 6 || len(res.Frames) > 9 || res.Sampled > 9 {
		t.Fatalf("mode %q: %d frames of %d sampled", res.Mode, len(res.Frames), res.Sampled)
	}
}

// Videos between FullDecodeSeconds and KeyframeSeconds skip non-reference
// frames but are still sampled by time, in every codec, without an error.
func TestReferenceFramesOnly(t *testing.T) {
	a := newTestAnalyzer(t, Options{FullDecodeSeconds: 1})
	dir := t.TempDir()
	const src = "testsrc2=duration=4:size=320x240:rate=25"
	cases := []struct {
		name string
		out  []string
	}{
		{"bframes.mp4", []string{"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"}},
		{"a.avi", []string{"-c:v", "mpeg4", "-bf", "2"}},
		{"a.ts", []string{"-c:v", "mpeg2video", "-bf", "2", "-f", "mpegts"}},
		{"a.webm", []string{"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"}},
		{"a.wmv", []string{"-c:v", "wmv2", "-f", "asf"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := analyze(t, a, makeClip(t, dir, c.name, src, c.out...))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("mode %q: %d frames of %d sampled", res.Mode, len(res.Frames), res.Sampled)
			if !strings.Contains(res.Mode, "reference frames") || len(res.Frames) < 8 ||
				res.Frames[0].At > 0.1 || res.Frames[len(res.Frames)-1].At < 3.3 {
				t.Errorf("mode %q: %d frames from %.2f to %.2f s", res.Mode, len(res.Frames), res.Frames[0].At, res.Frames[len(res.Frames)-1].At)
			}
		})
	}
}
