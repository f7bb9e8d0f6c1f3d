package iso

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"scrim/ingest/fsys"
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
	buf := make([]byte, 1<<20)
	var total int64
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
	b.ReportMetric(ours/1e6, "MB/s-files")
	b.ReportMetric(float64(st.Size())/time.Since(start).Seconds()/1e6, "MB/s-cat")
}
