package ntfs

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"scrim/ingest/fsys"
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
	var total int64
	buf := make([]byte, 1<<20)
	b.ResetTimer()
	for b.Loop() {
		total = 0
		err := v.Walk(context.Background(), func(f fsys.File) error {
			if f.Content == nil {
				return nil
			}
			n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, io.NewSectionReader(f.Content, 0, f.Size), buf)
			total += n
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ours := float64(total) * float64(b.N) / b.Elapsed().Seconds()
	st, _ := os.Stat(img)
	start := time.Now()
	if err := exec.Command("cat", img).Run(); err != nil {
		b.Fatal(err)
	}
	cat := float64(st.Size()) / time.Since(start).Seconds()
	b.ReportMetric(ours/1e6, "MB/s-files")
	b.ReportMetric(cat/1e6, "MB/s-cat")
}
