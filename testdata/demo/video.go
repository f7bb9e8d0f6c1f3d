package demo

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// videos makes tiny silent test-pattern clips with ffmpeg. Without ffmpeg
// the tree is still useful, so that is a note, not an error.
func (g *generation) videos() error {
	ffmpeg, err := lookFFmpeg()
	if err != nil {
		g.w.m.Notes = append(g.w.m.Notes, "videos skipped: ffmpeg not found on PATH")
		return nil
	}
	r := newRand(g.opt.Seed, streamVideo)
	clips := []struct {
		path, source, muxer, typ, variant string
	}{
		{"Users/alex/Videos/birthday.mp4", "testsrc", "mp4", "mp4", "original"},
		{"Users/alex/Videos/old_camera.avi", "testsrc2", "avi", "avi", "original"},
		{"tmp/cache/a/b/c/cache_0001.dat", "smptebars", "matroska", "mkv", "renamed"},
	}
	for _, c := range clips {
		src := fmt.Sprintf("%s=duration=%d:size=160x120:rate=%d", c.source, 1+r.IntN(2), 10+r.IntN(6))
		f := File{Path: c.path, Type: c.typ, Kind: KindVideo, Scene: -1, Variant: c.variant}
		if err := g.w.mkdirFor(f.Path); err != nil {
			return err
		}
		// Single-threaded, bit-exact, metadata-free output so the same
		// ffmpeg build always writes the same bytes.
		cmd := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", src, "-an",
			"-c:v", "mpeg4", "-q:v", "5", "-threads", "1", "-map_metadata", "-1",
			"-fflags", "+bitexact", "-flags:v", "+bitexact", "-f", c.muxer, g.w.abs(f.Path))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("demo: ffmpeg for %s: %w: %s", f.Path, err, strings.TrimSpace(stderr.String()))
		}
		if err := g.w.record(f, g.clock.any()); err != nil {
			return err
		}
	}
	// A smaller, re-encoded copy of the first clip: categorizing the
	// original suggests the same category for it (frame matching).
	f := File{Path: "Users/alex/Downloads/birthday_small.mp4", Type: "mp4", Kind: KindVideo, Scene: -1, Variant: "reencoded"}
	if err := g.w.mkdirFor(f.Path); err != nil {
		return err
	}
	cmd := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-i", g.w.abs(clips[0].path), "-an",
		"-vf", "scale=80:60", "-c:v", "mpeg4", "-q:v", "12", "-threads", "1", "-map_metadata", "-1",
		"-fflags", "+bitexact", "-flags:v", "+bitexact", "-f", "mp4", g.w.abs(f.Path))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("demo: ffmpeg for %s: %w: %s", f.Path, err, strings.TrimSpace(stderr.String()))
	}
	return g.w.record(f, g.clock.any())
}

func lookFFmpeg() (string, error) { return exec.LookPath("ffmpeg") }
