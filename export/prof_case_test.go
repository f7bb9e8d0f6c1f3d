package export

import (
	"bufio"
	"io"
	"os"
	"testing"

	"scrim/store"
)

// BenchmarkFilesOnCase lists every file row of the case SCRIM_BENCH_CASE
// in-process (for -cpuprofile); skipped without it.
func BenchmarkFilesOnCase(b *testing.B) {
	dir := os.Getenv("SCRIM_BENCH_CASE")
	if dir == "" {
		b.Skip("SCRIM_BENCH_CASE")
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for b.Loop() {
		w := bufio.NewWriterSize(io.Discard, 256<<10)
		rw, _ := NewRowWriter(w, "jsonl")
		n := 0
		if err := EachFileRow(st, "", func(r FileRow) error { n++; return rw.Write(r) }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "rows")
	}
}
