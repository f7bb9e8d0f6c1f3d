package ext

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FuzzOpen treats the input as a whole volume; seeds are real 256 KiB
// ext2 and ext4 volumes made by mkfs -d from a two-file tree (small, so the
// fuzzer mutates quickly).
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	tree := filepath.Join(dir, "tree")
	os.MkdirAll(filepath.Join(tree, "d"), 0o755)
	os.WriteFile(filepath.Join(tree, "d", "a.jpg"), make([]byte, 3000), 0o644)
	os.WriteFile(filepath.Join(tree, "b.txt"), []byte("hello"), 0o644)
	for _, kind := range []string{"ext2", "ext4"} {
		need(f, "mkfs."+kind, "e2fsprogs")
		img := filepath.Join(dir, kind)
		if out, err := exec.Command("mkfs."+kind, "-q", "-F", "-d", tree, img, "256K").CombinedOutput(); err != nil {
			f.Fatalf("mkfs.%s: %v\n%s", kind, err, out)
		}
		data, err := os.ReadFile(img)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, b []byte) { exercise(t, b) })
}
