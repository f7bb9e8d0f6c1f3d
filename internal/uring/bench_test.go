package uring

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"scrim/internal/benchrow"
)

// benchFolder writes n small files and returns the open folder and names.
func benchFolder(b *testing.B, n int) (*os.File, [][]byte) {
	dir := b.TempDir()
	names := make([][]byte, n)
	for i := range n {
		name := fmt.Sprintf("f%05d", i)
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, 200+i%2800), 0o600); err != nil {
			b.Fatal(err)
		}
		names[i] = cstr(name)
	}
	d, err := os.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d, names
}

// BenchmarkSmallFileReads reads 1024 small files per iteration, as the
// workers do: batches of 64 open+read+close chains in one io_uring_enter,
// against openat+pread+close per file timed in the same run (the ratio).
func BenchmarkSmallFileReads(b *testing.B) {
	d, names := benchFolder(b, 1024)
	dirfd := int(d.Fd())
	buf := make([]byte, 64*4096)
	r, err := New(256, 64)
	if err != nil {
		b.Skip(err)
	}
	defer r.Close()
	plain := func() {
		for _, n := range names {
			fd, err := unix.Openat(dirfd, string(n[:len(n)-1]), unix.O_RDONLY|unix.O_NOATIME|unix.O_CLOEXEC, 0)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := unix.Pread(fd, buf[:4096], 0); err != nil {
				b.Fatal(err)
			}
			unix.Close(fd)
		}
	}
	ring := func() {
		for k := 0; k < len(names); k += 64 {
			for i, n := range names[k : k+64] {
				r.OpenDirect(dirfd, n, unix.O_RDONLY|unix.O_NOATIME, i, 0)
				r.ReadDirect(i, buf[i*4096:(i+1)*4096], 0, 1)
				r.CloseDirect(i, 2)
			}
			if err := r.Submit(192); err != nil {
				b.Fatal(err)
			}
			r.Reap(func(u uint64, v int32) {
				if v < 0 {
					b.Fatalf("op %d: %v", u, unix.Errno(-v))
				}
			})
		}
	}
	compare(b, "internal/uring/open-read-close", "open+read+close of 1,024 small files", len(names), plain, ring)
}

// compare times plain and ring alternately, b.N rounds each, and prints
// the time per file of each, CPU time included (the ring may hand work
// to kernel threads, which wall time alone would hide).
func compare(b *testing.B, path, what string, files int, plain, ring func()) {
	row := benchrow.Start(path)
	var tp, tr, cp, cr time.Duration
	b.ResetTimer()
	for range b.N {
		c0, t0 := cpuTime(), time.Now()
		plain()
		c1, t1 := cpuTime(), time.Now()
		ring()
		c2, t2 := cpuTime(), time.Now()
		tp += t1.Sub(t0)
		tr += t2.Sub(t1)
		cp += c1 - c0
		cr += c2 - c1
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(b.N*files) }
	b.ReportMetric(per(tr), "ring-us/file")
	b.ReportMetric(per(tp), "syscalls-us/file")
	b.ReportMetric(tp.Seconds()/tr.Seconds(), "x-syscalls")
	row.Log(b, what+", batches of 64 in one io_uring_enter",
		fmt.Sprintf("%.2f µs per file wall, %.2f µs CPU", per(tr), per(cr)),
		fmt.Sprintf("one system call per step: %.2f µs per file wall, %.2f µs CPU", per(tp), per(cp)),
		tp.Seconds()/tr.Seconds())
}

// cpuTime is the process's user+system time, kernel io_uring workers
// (io-wq threads are the process's) included.
func cpuTime() time.Duration {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
