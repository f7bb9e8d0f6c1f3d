package ewf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// BenchmarkReadAll reads all of a 256 MiB image (half random, half text and
// zeros, deflate:fast, 64 MiB segments) through ReadAt, and reports beside
// it, measured in the same run on the same image: ewfexport writing raw to
// /dev/null, and one goroutine decompressing the same chunks in order; and
// Verify (MD5 and SHA-1) beside ewfverify -d sha1.
func BenchmarkReadAll(b *testing.B) {
	m := benchrow.Start("ingest/ewf/read-all")
	need(b, "ewfacquire")
	export := need(b, "ewfexport")
	dir := b.TempDir()
	raw, _ := media(b, dir, 256<<20, 5)
	first := acquire(b, raw, dir, "encase6", "deflate:fast", 64<<20)
	os.Remove(raw)
	im, err := Open(first)
	if err != nil {
		b.Fatal(err)
	}
	defer im.Close()
	buf := make([]byte, 8<<20)
	b.SetBytes(im.Size())
	b.ResetTimer()
	for b.Loop() {
		for off := int64(0); off < im.Size(); off += int64(len(buf)) {
			if _, err := im.ReadAt(buf, off); err != nil && off+int64(len(buf)) < im.Size() {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	ours := float64(im.Size()) * float64(b.N) / b.Elapsed().Seconds() / 1e6

	start := time.Now()
	chunk := make([]byte, im.chunkSize)
	for idx := int64(0); idx < im.chunks; idx++ {
		if err := im.decodeChunk(idx, chunk[:im.chunkLen(idx)]); err != nil {
			b.Fatal(err)
		}
	}
	serial := float64(im.Size()) / time.Since(start).Seconds() / 1e6

	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	cmd := exec.Command(export, "-u", "-q", "-f", "raw", "-t", "-", first)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = devnull, &stderr
	start = time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("ewfexport: %v %s", err, stderr.String())
	}
	tool := float64(im.Size()) / time.Since(start).Seconds() / 1e6

	start = time.Now()
	if v, err := im.Verify(context.Background(), nil); err != nil || v.Status != "verified" {
		b.Fatalf("verify: %+v %v", v, err)
	}
	verify := float64(im.Size()) / time.Since(start).Seconds() / 1e6
	start = time.Now()
	if out, err := exec.Command(need(b, "ewfverify"), "-q", "-d", "sha1", first).CombinedOutput(); err != nil {
		b.Fatalf("ewfverify: %v %s", err, out)
	}
	toolVerify := float64(im.Size()) / time.Since(start).Seconds() / 1e6

	b.ReportMetric(verify, "MB/s-verify")
	b.ReportMetric(toolVerify, "MB/s-ewfverify")
	b.ReportMetric(ours, "MB/s-readat")
	b.ReportMetric(serial, "MB/s-1goroutine")
	b.ReportMetric(tool, "MB/s-ewfexport")
	b.ReportMetric(ours/serial, "x-vs-1goroutine")
	b.ReportMetric(ours/tool, "x-vs-ewfexport")
	m.Log(b, "E01 image of 256 MiB (deflate:fast, 64 MiB segments): read all through ReadAt",
		fmt.Sprintf("%s; verify (MD5+SHA-1) %s", benchrow.Rate(ours, "MB/s"), benchrow.Rate(verify, "MB/s")),
		fmt.Sprintf("`ewfexport -f raw` %s; `ewfverify -d sha1` %s; one goroutine in process %s", benchrow.Rate(tool, "MB/s"), benchrow.Rate(toolVerify, "MB/s"), benchrow.Rate(serial, "MB/s")), ours/tool)
}

// BenchmarkSmallReads reads 4 KiB at offsets that stride through the media
// (each chunk visited by eight reads, some twice): the cache's case. The
// baseline is the same reads from the raw file, page-cached.
func BenchmarkSmallReads(b *testing.B) {
	m := benchrow.Start("ingest/ewf/small-reads")
	need(b, "ewfacquire")
	dir := b.TempDir()
	raw, _ := media(b, dir, 16<<20, 6)
	im, err := Open(acquire(b, raw, dir, "encase6", "deflate:fast", 1<<30))
	if err != nil {
		b.Fatal(err)
	}
	defer im.Close()
	f, err := os.Open(raw)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	next := func(off int64) int64 { return (off + 3*4096 + 512) % (im.Size() - 4096) }
	b.SetBytes(int64(len(buf)))
	var off int64
	for b.Loop() {
		if _, err := im.ReadAt(buf, off); err != nil {
			b.Fatal(err)
		}
		off = next(off)
	}
	b.StopTimer()
	ours := float64(len(buf)) * float64(b.N) / b.Elapsed().Seconds() / 1e6
	const reads = 20000
	start := time.Now()
	for range reads {
		f.ReadAt(buf, off)
		off = next(off)
	}
	file := float64(len(buf)) * reads / time.Since(start).Seconds() / 1e6
	b.ReportMetric(ours, "MB/s-ewf")
	b.ReportMetric(file, "MB/s-rawfile")
	b.ReportMetric(ours/file, "x-vs-rawfile")
	m.Log(b, "E01 image of 16 MiB: 4 KiB reads striding through the media (the chunk cache's case)", benchrow.Rate(ours, "MB/s"),
		"the same reads from the raw file, page cache warm "+benchrow.Rate(file, "MB/s"), ours/file)
}
