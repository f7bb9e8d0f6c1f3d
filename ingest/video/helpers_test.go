package video

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// newTestAnalyzer skips the test when this machine has no ffmpeg: the
// package's whole job is running it.
func newTestAnalyzer(t testing.TB, opt Options) *Analyzer {
	t.Helper()
	a, err := New(opt)
	if err != nil {
		t.Skip(err)
	}
	return a
}

// makeClip encodes a generated (lavfi) source into dir/name with the given
// output arguments and returns the path.
func makeClip(t testing.TB, dir, name, source string, out ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	args := append([]string{"-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source, "-an"}, out...)
	args = append(args, path)
	cmd := exec.Command("ffmpeg", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg %s: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return path
}

func analyze(t testing.TB, a *Analyzer, path string) (Result, error) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return a.Analyze(context.Background(), path, fi.Size())
}
