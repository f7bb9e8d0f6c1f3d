package evidence

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostFileReadsLikeOSFile: the bare-descriptor reader of host files
// answers ReadAt as os.File does (full reads, io.EOF on a short one,
// offsets), refuses a second Close, and names the file in its errors.
func TestHostFileReadsLikeOSFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.bin")
	want := []byte("0123456789abcdef")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := openReadOnly(p)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if n, err := f.ReadAt(buf, 6); n != 4 || err != nil || string(buf) != "6789" {
		t.Fatalf("ReadAt(4 at 6) = %d %v %q", n, err, buf[:n])
	}
	big := make([]byte, 32)
	if n, err := f.ReadAt(big, 10); n != 6 || err != io.EOF || string(big[:n]) != "abcdef" {
		t.Fatalf("ReadAt past the end = %d %v %q, want 6 io.EOF", n, err, big[:n])
	}
	if n, err := f.ReadAt(buf, 16); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end = %d %v", n, err)
	}
	if _, err := f.ReadAt(buf, -1); err == nil {
		t.Fatal("negative offset accepted")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second Close = %v, want os.ErrClosed", err)
	}
	if _, err := openReadOnly(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("open of a missing file = %v", err)
	}
}
