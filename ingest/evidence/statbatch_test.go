package evidence

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestWalkSameWithStatBatches walks one tree with statx batches in the
// ring and with one fstatat per file: the same entries, fields and order,
// folders between files and more files in a folder than a batch included.
func TestWalkSameWithStatBatches(t *testing.T) {
	root := t.TempDir()
	write := func(rel string, size int) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2*BatchFiles + 5 {
		write(fmt.Sprintf("/big/f%03d", i), i)
	}
	write("/a/0", 1)
	write("/a/m/x", 2) // a folder between files
	write("/a/z", 3)
	write("/a/name with\nnewline \xff", 4)
	if err := syscall.Mkfifo(filepath.Join(root, "a", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("0", filepath.Join(root, "a", "link")); err != nil {
		t.Fatal(err)
	}
	walk := func(noRing string) []string {
		t.Setenv(NoRingEnv, noRing)
		src, err := Open(root)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		err = src.Walk(context.Background(), func(e Entry) error {
			out = append(out, fmt.Sprintf("%q %d %d %v %v %v %v", e.Path, e.Size, e.Inode, e.Mtime, e.Atime, e.Ctime, e.Err))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Setenv(NoRingEnv, "")
	if s := newFolderStatter(); s.ring == nil {
		t.Skip("io_uring unavailable here: both walks would use fstatat")
	} else {
		s.close()
	}
	plain, ring := walk("1"), walk("")
	if len(plain) != 2*BatchFiles+5+4 {
		t.Fatalf("walked %d files: %q", len(plain), plain)
	}
	if !slices.Equal(plain, ring) {
		t.Fatalf("walk with one fstatat per file:\n%q\nwith statx batches:\n%q", plain, ring)
	}
}
