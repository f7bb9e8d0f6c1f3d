package ewf

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// missing fails under CI, where the Makefile installs every tool, and skips
// on a developer machine that lacks one.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func need(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		missing(t, "%s not found: install the Debian package ewf-tools", tool)
	}
	return p
}

func runTool(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// media builds size bytes (a multiple of 512, so that ewfacquire stores
// all of it) of seeded random regions, zeros and text, written to
// dir/media.raw. ewfacquire refuses source names without an extension.
func media(t testing.TB, dir string, size int, seed uint64) (string, []byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 77))
	b := make([]byte, size)
	text := []byte("Case 2026-117: IMG_0001.JPG DCIM/100CANON scrim forensic text region\n")
	for off := 0; off < size; {
		n := min(size-off, 64<<10+int(r.IntN(300<<10)))
		switch r.IntN(4) {
		case 0, 3: // half the media does not compress
			for i := off; i < off+n; i++ {
				b[i] = byte(r.Uint32())
			}
		case 1: // zeros
		case 2:
			for i := off; i < off+n; i++ {
				b[i] = text[(i-off)%len(text)]
			}
		}
		off += n
	}
	path := filepath.Join(dir, "media.raw")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

// acquire runs ewfacquire with the test's case fields and returns the
// first segment's path.
func acquire(t testing.TB, raw, dir, format, compression string, segSize int, extra ...string) string {
	t.Helper()
	tool := need(t, "ewfacquire")
	target := filepath.Join(dir, "image")
	args := []string{"-u", "-q", "-t", target, "-f", format, "-c", compression,
		"-S", strconv.Itoa(segSize), "-b", "64", "-C", "case 42", "-D", "desc", "-E", "ev-7",
		"-e", "examiner Ann", "-N", "notes here", "-m", "fixed", "-M", "logical"}
	args = append(append(args, extra...), raw)
	runTool(t, tool, args...)
	for _, ext := range []string{".E01", ".e01", ".s01"} {
		if _, err := os.Stat(target + ext); err == nil {
			return target + ext
		}
	}
	t.Fatalf("ewfacquire -f %s wrote no first segment in %s", format, dir)
	return ""
}

// ewfinfo returns the "Key:\tvalue" lines ewfinfo prints.
func ewfinfo(t testing.TB, path string) map[string]string {
	t.Helper()
	out := runTool(t, need(t, "ewfinfo"), path)
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

func readAll(t testing.TB, im *Image) []byte {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(im, 0, im.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// copyDir copies the segment files so a test can damage its own copy.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "image.") {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dst
}

func mustEqual(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: differs at byte %d (got %d bytes, want %d)", what, i, len(got), len(want))
	}
}
