package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func collect(t *testing.T, src Source) []Entry {
	t.Helper()
	var out []Entry
	if err := src.Walk(context.Background(), func(e Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDirectoryWalk(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "b/z.jpg"), "zz")
	write(t, filepath.Join(root, "a.txt"), "a")
	write(t, filepath.Join(root, "b/c/d/deep.bin"), "deep")
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if src.Info().Format != "directory" {
		t.Fatalf("format %q", src.Info().Format)
	}
	got := collect(t, src)
	var paths []string
	for _, e := range got {
		paths = append(paths, e.Path)
	}
	want := "/a.txt /b/c/d/deep.bin /b/z.jpg"
	if strings.Join(paths, " ") != want {
		t.Fatalf("paths %v, want %s (symlinks not followed)", paths, want)
	}
	c, err := got[1].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, _ := io.ReadAll(io.NewSectionReader(c, 0, got[1].Size))
	if string(b) != "deep" || got[1].Mtime.IsZero() || got[1].Inode == 0 {
		t.Fatalf("entry %+v content %q", got[1], b)
	}
}

// TestDirectoryWalkStatFields checks each entry's size, inode and times
// against os.Lstat, in lexical order across a folder met between files;
// a FIFO and a symbolic link are not visited, an odd name is.
func TestDirectoryWalkStatFields(t *testing.T) {
	root := t.TempDir()
	var want []string
	for i := range 70 {
		p := fmt.Sprintf("/big/f%03d", i)
		write(t, filepath.Join(root, p), strings.Repeat("x", i))
		want = append(want, p)
	}
	small := []string{"/a/0", "/a/m/x", "/a/name with\nnewline \xff", "/a/z"} // a folder between files
	for _, p := range small {
		write(t, filepath.Join(root, filepath.FromSlash(p)), p)
	}
	want = append(small, want...)
	if err := syscall.Mkfifo(filepath.Join(root, "a", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("0", filepath.Join(root, "a", "link")); err != nil {
		t.Fatal(err)
	}
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range collect(t, src) {
		paths = append(paths, e.Path)
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(e.Path)))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if e.Err != nil || e.Size != fi.Size() || e.Inode != st.Ino || !e.Mtime.Equal(fi.ModTime()) ||
			e.Atime.UnixNano() != st.Atim.Nano() || e.Ctime.UnixNano() != st.Ctim.Nano() {
			t.Errorf("%q: entry %+v, lstat %+v", e.Path, e, st)
		}
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("walked %q\nwant %q", paths, want)
	}
}

func TestLooseFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "IMG_0001.JPG")
	write(t, p, "jpeg?")
	src, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	got := collect(t, src)
	if len(got) != 1 || got[0].Path != "/IMG_0001.JPG" || got[0].Size != 5 || src.Info().Format != "file" {
		t.Fatalf("got %+v", got)
	}
}

func TestMissingPath(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("want a not-exist error naming the path, got %v", err)
	}
}

func TestUnreadableFolderIsRecorded(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything; permission errors cannot be provoked")
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "locked/x"), "x")
	os.Chmod(filepath.Join(root, "locked"), 0)
	defer os.Chmod(filepath.Join(root, "locked"), 0o755)
	src, _ := Open(root)
	got := collect(t, src)
	if len(got) != 1 || got[0].Err == nil {
		t.Fatalf("want one entry with an error, got %+v", got)
	}
}

func TestWalkStopsOnCancel(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"a", "b", "c"} {
		write(t, filepath.Join(root, n), n)
	}
	src, _ := Open(root)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := src.Walk(ctx, func(Entry) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Fatalf("n=%d err=%v", n, err)
	}
}
