package evidence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"scrim/ingest/expand"
)

type countingReaderAt struct {
	r    io.ReaderAt
	read atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read.Add(int64(n))
	return n, err
}

// TestArchiveFolderBeside: the members beside one in a solid 7z are
// opened in one walk when named ahead (the archive is read about once,
// not once per member), a stored ZIP member is read in place (no copy),
// a compressed one from a temporary copy that is gone once closed, and
// only the member's own folder is listed.
func TestArchiveFolderBeside(t *testing.T) {
	for _, n := range []string{"7z", "zip"} {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s missing", n)
		}
	}
	work := t.TempDir()
	src := filepath.Join(work, "src")
	os.MkdirAll(filepath.Join(src, "case"), 0o755)
	var names []string
	content := map[string][]byte{}
	for i := 1; i <= 6; i++ {
		b := make([]byte, 256<<10)
		for k := range b {
			b[k] = byte((k*2654435761)>>13) ^ byte(i*k>>7)
		}
		n := fmt.Sprintf("disk.E%02d", i)
		names = append(names, n)
		content[n] = b
		if err := os.WriteFile(filepath.Join(src, "case", n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(src, "other.E02"), []byte("not beside"), 0o644)
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	run("7z", "a", "-bd", "-y", "-ms=on", filepath.Join(work, "segs.7z"), "case", "other.E02")
	run("zip", "-q", "-r", "-0", filepath.Join(work, "stored.zip"), "case", "other.E02")
	run("zip", "-q", "-r", "-9", filepath.Join(work, "deflated.zip"), "case", "other.E02")
	tmp := filepath.Join(work, "tmp")
	os.MkdirAll(tmp, 0o755)

	for _, c := range []struct {
		file    string
		inPlace bool
	}{{"segs.7z", false}, {"stored.zip", true}, {"deflated.zip", false}} {
		b, err := os.ReadFile(filepath.Join(work, c.file))
		if err != nil {
			t.Fatal(err)
		}
		cr := &countingReaderAt{r: bytes.NewReader(b)}
		f := expand.Detect(b[:expand.HeadSize])
		a := NewArchiveFolder(context.Background(), f, cr, int64(len(b)), c.file, tmp, nil)
		beside := a.Beside("case/disk.E01")
		got := beside.Names()
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Fatalf("%s: beside case/disk.E01: %v", c.file, got)
		}
		beside.(interface{ Prefetch([]string) }).Prefetch(names[1:])
		before := cr.read.Load()
		var closers []io.Closer
		for _, n := range names[1:] {
			r, size, closer, err := beside.Open(n)
			if err != nil {
				t.Fatalf("%s: %s: %v", c.file, n, err)
			}
			buf := make([]byte, size)
			if _, err := r.ReadAt(buf, 0); err != nil && err != io.EOF || !bytes.Equal(buf, content[n]) {
				t.Errorf("%s: %s read back wrong (%v)", c.file, n, err)
			}
			if (closer == nil) != c.inPlace {
				t.Errorf("%s: %s in place %v, want %v", c.file, n, closer == nil, c.inPlace)
			}
			if closer != nil {
				closers = append(closers, closer)
			}
		}
		if read := cr.read.Load() - before; read > 2*int64(len(b)) {
			t.Errorf("%s: opening %d members read %d bytes of a %d-byte archive", c.file, len(names)-1, read, len(b))
		}
		if _, _, _, err := beside.Open("missing.E07"); err == nil {
			t.Errorf("%s: a member not there opened", c.file)
		}
		for _, cl := range closers {
			cl.Close()
		}
		beside.(io.Closer).Close()
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("%s: temporary copies left: %v", c.file, left)
		}
	}
}
