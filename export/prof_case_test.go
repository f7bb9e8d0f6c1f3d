package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"scrim/internal/benchrow"
	"scrim/store"
)

// openBenchCase opens the case SCRIM_BENCH_CASE names, closed when b
// ends; b is skipped without it.
func openBenchCase(b *testing.B) *store.Store {
	dir := os.Getenv("SCRIM_BENCH_CASE")
	if dir == "" {
		b.Skip("SCRIM_BENCH_CASE")
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkFilesOnCase lists every file row of the case SCRIM_BENCH_CASE
// in-process as `scrim files` does, to a discarding buffer (for
// -cpuprofile); skipped without it.
func BenchmarkFilesOnCase(b *testing.B) {
	st := openBenchCase(b)
	for b.Loop() {
		lines := &lineCounter{}
		w := bufio.NewWriterSize(lines, 1<<20)
		if _, err := WriteFileRows(st, "", "jsonl", w, func() error { return nil }); err != nil {
			b.Fatal(err)
		}
		w.Flush()
		b.ReportMetric(float64(lines.n), "rows")
	}
}

// BenchmarkWriteFilesOnCase lists the case SCRIM_BENCH_CASE twice per
// round, as jsonl to a discarding buffer: the serial path (EachFileRow
// into a RowWriter, the baseline) and WriteFileRows, and prints rows/s,
// CPU-seconds per million rows (load-independent) and their ratio; then
// `cat` of the same listing from a file to a file, the floor.
func BenchmarkWriteFilesOnCase(b *testing.B) {
	st := openBenchCase(b)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	// measure runs list into a discarding counter of lines (= jsonl rows).
	measure := func(list func(w io.Writer) error) (rowsPerSec, cpuPerM float64) {
		lines := &lineCounter{}
		bw := bufio.NewWriterSize(lines, 1<<20)
		t0, c0 := time.Now(), cpu()
		if err := list(bw); err != nil {
			b.Fatal(err)
		}
		bw.Flush()
		wall, used := time.Since(t0), cpu()-c0
		return float64(lines.n) / wall.Seconds(), used.Seconds() / (float64(lines.n) / 1e6)
	}
	row := benchrow.Start("export/files-on-case")
	for b.Loop() {
		baseRate, baseCPU := measure(func(w io.Writer) error {
			rw, _ := NewRowWriter(w, "jsonl")
			return EachFileRow(st, "", rw.Write)
		})
		newRate, newCPU := measure(func(w io.Writer) error {
			_, err := WriteFileRows(st, "", "jsonl", w, func() error { return nil })
			return err
		})
		b.ReportMetric(baseRate, "serial-rows/s")
		b.ReportMetric(newRate, "parallel-rows/s")
		b.ReportMetric(newRate/baseRate, "ratio")
		b.ReportMetric(baseCPU, "serial-CPUs/Mrows")
		b.ReportMetric(newCPU, "parallel-CPUs/Mrows")
		// The floor: `cat` of the same bytes from one file to another, as
		// `scrim files --out` writes them.
		out := filepath.Join(b.TempDir(), "files.jsonl")
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		if _, err := WriteFileRows(st, "", "jsonl", bw, func() error { return nil }); err != nil {
			b.Fatal(err)
		}
		if err := errors.Join(bw.Flush(), f.Close()); err != nil {
			b.Fatal(err)
		}
		wc, err := exec.Command("wc", "-l", out).Output()
		if err != nil {
			b.Fatal(err)
		}
		n, _ := strconv.Atoi(strings.Fields(string(wc))[0])
		t0 := time.Now()
		if err := exec.Command("sh", "-c", `cat "$1" > "$1.cat"`, "sh", out).Run(); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(t0)
		b.ReportMetric(float64(n)/wall.Seconds(), "cat-rows/s")
		b.ReportMetric(newRate/(float64(n)/wall.Seconds()), "parallel/cat")
		row.Log(b, fmt.Sprintf("`scrim files` rows in process (JSONL, every core) on the ingested case SCRIM_BENCH_CASE, %s rows", benchrow.Count(float64(n))),
			fmt.Sprintf("%s (%.2f CPU s per M rows)", benchrow.Rate(newRate, "rows/s"), newCPU),
			fmt.Sprintf("the serial writer, in process %s (%.2f CPU s per M rows); `cat` of the same rows %s", benchrow.Rate(baseRate, "rows/s"), baseCPU, benchrow.Rate(float64(n)/wall.Seconds(), "rows/s")),
			newRate/baseRate)
		os.Remove(out)
		os.Remove(out + ".cat")
	}
}

type lineCounter struct{ n int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
