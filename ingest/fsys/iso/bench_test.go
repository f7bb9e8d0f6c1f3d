package iso

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// BenchmarkReadAll reads every file of a ISO 9660 image (genisoimage -J -R) of
// 128 MiB of files and reports MB/s beside `cat` of the image.
func BenchmarkReadAll(b *testing.B) {
	need(b, "genisoimage", "genisoimage")
	dir := b.TempDir()
	tree := filepath.Join(dir, "tree")
	os.Mkdir(tree, 0o755)
	if out, err := exec.Command("sh", "-c", "for i in 0 1 2 3 4 5 6 7; do head -c 16777216 /dev/urandom > "+tree+"/f$i.bin; done").CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	img := filepath.Join(dir, "bench.img")
	if out, err := exec.Command("genisoimage", "-quiet", "-J", "-R", "-o", img, tree).CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	v := openImage(b, img)
	fsystest.BenchReadAll(b, "iso", v, img)
}
