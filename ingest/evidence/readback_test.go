package evidence

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func locatorOf(e Entry) Locator {
	return Locator{Volume: e.Volume, Path: e.Path, Inode: e.Inode, Offset: e.Offset, Carved: e.Carved, Deleted: e.Deleted}
}

// readAll reads back every locator and returns the contents found, by index.
func readAll(t *testing.T, src string, want []Locator) map[int][]byte {
	t.Helper()
	got := map[int][]byte{}
	err := ReadBack(context.Background(), src, want, func(i int, c Content, size int64) error {
		b, err := io.ReadAll(io.NewSectionReader(c, 0, size))
		got[i] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadBackDirectory(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a", "one.jpg"), "first file")
	write(t, filepath.Join(root, "b.png"), "second file")
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	entries := collect(t, src)
	src.Close()
	var want []Locator
	for _, e := range entries {
		want = append(want, locatorOf(e))
	}
	want = append(want, Locator{Path: "/../../etc/passwd"}, Locator{Path: "/missing"})
	got := readAll(t, root, want)
	if len(got) != len(entries) {
		t.Fatalf("read back %d of %d entries", len(got), len(entries))
	}
	for i, e := range entries {
		data, _ := os.ReadFile(filepath.Join(root, filepath.FromSlash(e.Path)))
		if !bytes.Equal(got[i], data) {
			t.Errorf("%s: read back %q", e.Path, got[i])
		}
	}

	// A file replaced at the same path is read as it is now: the caller
	// compares digests. A symbolic link is not followed.
	p := filepath.Join(root, "b.png")
	os.Remove(p)
	write(t, p, "other content")
	os.Symlink("/etc/hostname", filepath.Join(root, "link"))
	for i, e := range entries {
		if e.Path == "/b.png" {
			if b := readAll(t, root, []Locator{want[i], {Path: "/link"}}); string(b[0]) != "other content" || len(b) != 1 {
				t.Fatalf("read back %v", b)
			}
		}
	}

	// A loose file.
	one := filepath.Join(root, "a", "one.jpg")
	ls, err := Open(one)
	if err != nil {
		t.Fatal(err)
	}
	le := collect(t, ls)
	ls.Close()
	if got := readAll(t, one, []Locator{locatorOf(le[0])}); string(got[0]) != "first file" {
		t.Fatalf("loose file read back %q", got[0])
	}
}

func TestReadBackDiskImage(t *testing.T) {
	for _, tool := range []string{"mkfs.vfat", "mcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "fat.img")
	files := map[string]string{"x.jpg": "jpeg-ish bytes", "y.txt": "some text\n"}
	for name, s := range files {
		write(t, filepath.Join(dir, name), s)
	}
	cmds := [][]string{
		{"truncate", "-s", "4M", img},
		{"mkfs.vfat", "--invariant", img},
		{"mcopy", "-i", img, filepath.Join(dir, "x.jpg"), filepath.Join(dir, "y.txt"), "::/"},
	}
	for _, c := range cmds {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	src, err := Open(img)
	if err != nil {
		t.Fatal(err)
	}
	var want []Locator
	var names []string
	for _, e := range collect(t, src) {
		if e.Err == nil && !e.Carved {
			want = append(want, locatorOf(e))
			names = append(names, filepath.Base(e.Path))
		}
	}
	src.Close()
	if len(want) != 2 {
		t.Fatalf("image lists %v", names)
	}
	got := readAll(t, img, want)
	for i, n := range names {
		if string(got[i]) != files[n] {
			t.Errorf("%s read back %q", n, got[i])
		}
	}
}
