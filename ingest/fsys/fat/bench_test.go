package fat

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"scrim/ingest/fsys"
	"scrim/internal/benchrow"
)

// BenchmarkWalkRead walks a 256 MiB FAT32 image holding ~140 MB of
// 100-400 KiB files in nested directories and reads every file, reporting
// MB/s of file content beside `cat` of the whole image file in the same run
// (both from the page cache after the first pass).
func BenchmarkWalkRead(b *testing.B) {
	m := benchrow.Start("ingest/fsys/fat32/walk-read")
	tool(b, "mcopy", "mtools")
	dir := b.TempDir()
	img := filepath.Join(dir, "bench.img")
	runTool(b, tool(b, "mkfs.vfat", "dosfstools"), "-C", "-F", "32", img, strconv.Itoa(256<<10))
	src := filepath.Join(dir, "tree")
	for d := range 8 {
		sub := filepath.Join(src, "DIR"+strconv.Itoa(d), "sub folder")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range 70 {
			size := 100<<10 + (i*37%300)<<10 // 100-400 KiB, like photos
			if err := os.WriteFile(filepath.Join(sub, "IMG_"+strconv.Itoa(i)+" long name.jpg"), randBytes(size, int64(d*100+i)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	runTool(b, "mcopy", "-s", "-i", img, filepath.Join(src, "."), "::/")
	os.RemoveAll(src)

	f, err := os.Open(img)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	fs, err := Open(f, st.Size())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	var total int64
	walk := func() {
		total = 0
		err := fs.Walk(context.Background(), func(fl fsys.File) error {
			if fl.Err != nil {
				b.Fatalf("%s: %v", fl.Path, fl.Err)
			}
			n, err := io.CopyBuffer(io.Discard, io.NewSectionReader(fl.Content, 0, fl.Size), buf)
			total += n
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	walk() // warm the page cache
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		walk()
	}
	b.StopTimer()
	ours := float64(total) * float64(b.N) / b.Elapsed().Seconds()
	start := time.Now()
	const rounds = 3
	for range rounds {
		if err := exec.Command("sh", "-c", "cat "+img+" > /dev/null").Run(); err != nil {
			b.Fatal(err)
		}
	}
	cat := float64(st.Size()) * rounds / time.Since(start).Seconds()
	b.ReportMetric(ours/1e6, "MB/s-walk+read")
	b.ReportMetric(cat/1e6, "MB/s-cat")
	b.ReportMetric(float64(total)/1e6, "MB-content")
	m.Log(b, fmt.Sprintf("FAT32 volume: walk nested folders and read every file (%d MB of 100-400 KiB files, 256 MiB image, page cache warm)", total/1e6),
		benchrow.Rate(ours/1e6, "MB/s of files"), "`cat` of the image "+benchrow.Rate(cat/1e6, "MB/s"), ours/cat)
}
