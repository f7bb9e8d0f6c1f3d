package container

import (
	"bufio"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// benchSize is the media size of the benchmark image.
const benchSize = 256 << 20

// writeBenchRaw streams a benchSize image to path: 64 KiB chunks, 3 in 4
// random and 1 in 4 zero, so sparse formats skip some blocks.
func writeBenchRaw(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.NewChaCha8([32]byte{1})
	chunk, zeros := make([]byte, 64<<10), make([]byte, 64<<10)
	for i := 0; i < benchSize/len(chunk); i++ {
		if i%4 == 3 {
			w.Write(zeros)
			continue
		}
		rng.Read(chunk)
		w.Write(chunk)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// readAll reads r sequentially in 1 MiB chunks and returns the byte count.
func readAll(b *testing.B, r io.ReaderAt, size int64) int64 {
	buf := make([]byte, 1<<20)
	var off int64
	for off < size {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && err != io.EOF {
			b.Fatal(err)
		}
		off += int64(n)
	}
	return off
}

// BenchmarkSequentialRead reads a 256 MiB image through each format's
// ReaderAt and, in the same run, the raw file through os.File (the page
// cache is warm for both), reporting both speeds and their ratio.
func BenchmarkSequentialRead(b *testing.B) {
	needTool(b, "qemu-img", "qemu-utils")
	dir := b.TempDir()
	raw := filepath.Join(dir, "img.raw")
	writeBenchRaw(b, raw)
	conv := func(args ...string) string {
		run(b, dir, "qemu-img", append([]string{"convert", "-f", "raw"}, args...)...)
		return filepath.Join(dir, args[len(args)-1])
	}
	run(b, dir, "split", "-b", "64M", "-d", "-a", "3", "--numeric-suffixes=1", "img.raw", "part.")
	cases := []struct{ name, path string }{
		{"raw", raw},
		{"split-raw", filepath.Join(dir, "part.001")},
		{"vhd-dynamic", conv("-O", "vpc", "-o", "force_size=on", "img.raw", "d.vhd")},
		{"vhd-fixed", conv("-O", "vpc", "-o", "subformat=fixed,force_size=on", "img.raw", "f.vhd")},
		{"vhdx", conv("-O", "vhdx", "img.raw", "x.vhdx")},
		{"vmdk-sparse", conv("-O", "vmdk", "img.raw", "s.vmdk")},
		{"vmdk-flat", conv("-O", "vmdk", "-o", "subformat=monolithicFlat", "img.raw", "m.vmdk")},
		{"qcow2", conv("-O", "qcow2", "img.raw", "q.qcow2")},
		{"qcow2-compressed", conv("-O", "qcow2", "-c", "img.raw", "c.qcow2")},
		{"dmg-zlib", mkdmg(b, dir, raw, "zlib", 2048)},
	}
	baseline := func() float64 {
		f, err := os.Open(raw)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		start := time.Now()
		const rounds = 2
		for range rounds {
			readAll(b, f, benchSize)
		}
		return rounds * benchSize / time.Since(start).Seconds()
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			m := benchrow.Start("ingest/container/read/" + c.name)
			img, err := Open(c.path)
			if err != nil {
				b.Fatal(err)
			}
			defer img.Close()
			readAll(b, img, img.Size()) // warm the page cache
			b.SetBytes(img.Size())
			b.ResetTimer()
			for b.Loop() {
				readAll(b, img, img.Size())
			}
			b.StopTimer()
			got := float64(img.Size()) * float64(b.N) / b.Elapsed().Seconds()
			base := baseline()
			b.ReportMetric(got/1e6, "MB/s-format")
			b.ReportMetric(base/1e6, "MB/s-os.File")
			b.ReportMetric(got/base, "ratio-vs-os.File")
			m.Log(b, "sequential read of a 256 MiB "+c.name+" image in 1 MiB chunks, page cache warm", benchrow.Rate(got/1e6, "MB/s"),
				"the raw file through os.File "+benchrow.Rate(base/1e6, "MB/s"), got/base)
		})
	}
}
