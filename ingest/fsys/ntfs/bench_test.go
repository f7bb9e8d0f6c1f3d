package ntfs

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// BenchmarkReadAll reads every file of a 160 MiB volume holding 128 MiB of
// files (written with ntfscp) and reports MB/s beside `cat` of the image.
func BenchmarkReadAll(b *testing.B) {
	need(b, "mkntfs", "ntfs-3g")
	dir := b.TempDir()
	img := filepath.Join(dir, "bench.img")
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	run("truncate", "-s", "160M", img)
	run("mkntfs", "-F", "-Q", "-q", "-s", "512", "-c", "4096", img)
	src := filepath.Join(dir, "src")
	for i := range 8 {
		run("sh", "-c", fmt.Sprintf("head -c 16777216 /dev/urandom > %s", src))
		run("ntfscp", "-q", img, src, fmt.Sprintf("/f%d.bin", i))
	}
	v := openImage(b, img)
	fsystest.BenchReadAll(b, "ntfs", v, img)
}
