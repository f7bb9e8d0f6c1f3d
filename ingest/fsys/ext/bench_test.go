package ext

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// BenchmarkReadAll reads every file of a 160 MiB ext4 volume holding
// 128 MiB of files and reports MB/s beside `cat` of the image.
func BenchmarkReadAll(b *testing.B) {
	need(b, "mkfs.ext4", "e2fsprogs")
	dir := b.TempDir()
	tree := filepath.Join(dir, "tree")
	os.Mkdir(tree, 0o755)
	if out, err := exec.Command("sh", "-c", "for i in 0 1 2 3 4 5 6 7; do head -c 16777216 /dev/urandom > "+tree+"/f$i.bin; done").CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	img := filepath.Join(dir, "bench.img")
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-d", tree, img, "160M").CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	v := openImage(b, img)
	fsystest.BenchReadAll(b, "ext", v, img)
}
