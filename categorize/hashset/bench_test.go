package hashset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// md5List is a 2-million-line MD5 list, CRLF-terminated like most exports.
func md5List(lines int) []byte {
	var b bytes.Buffer
	b.Grow(lines * 34)
	for i := range lines {
		fmt.Fprintf(&b, "%032x\r\n", uint64(i)*0x9E3779B97F4A7C15)
	}
	return b.Bytes()
}

// BenchmarkReadText reports lines/s beside a bare bufio.Scanner line count
// of the same bytes in the same run: the floor any line reader pays.
func BenchmarkReadText(b *testing.B) {
	row := benchrow.Start("categorize/hashset/read-text")
	const lines = 2_000_000
	data := md5List(lines)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		sum, err := ReadText(bytes.NewReader(data), Options{}, func(Entry) error { return nil })
		if err != nil || sum.Entries != lines {
			b.Fatal(sum, err)
		}
	}
	b.StopTimer()
	readText := float64(lines) * float64(b.N) / b.Elapsed().Seconds()

	const rounds = 3
	start := time.Now()
	for range rounds {
		sc := bufio.NewScanner(bytes.NewReader(data))
		n := 0
		for sc.Scan() {
			n++
		}
		if n != lines {
			b.Fatal(n)
		}
	}
	scanner := float64(lines) * rounds / time.Since(start).Seconds()
	b.ReportMetric(readText/1e6, "Mlines/s")
	b.ReportMetric(scanner/1e6, "Mlines/s-scanner")
	b.ReportMetric(readText/scanner, "ratio-vs-scanner")
	row.Log(b, fmt.Sprintf("hash-set text parser, %d MD5 lines in memory", lines), benchrow.Rate(readText, "lines/s"),
		"`bufio.Scanner` counting the same lines, in process "+benchrow.Rate(scanner, "lines/s"), readText/scanner)
}

// BenchmarkReadVICS reports MB/s for a case file beside json.Valid (a pure
// JSON syntax scan) of the same bytes in the same run.
func BenchmarkReadVICS(b *testing.B) {
	row := benchrow.Start("categorize/hashset/read-vics")
	data, err := io.ReadAll(&vicsGenerator{n: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ReadVICS(bytes.NewReader(data), Options{}, func(Entry) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	vics := float64(len(data)) * float64(b.N) / b.Elapsed().Seconds()
	const rounds = 3
	start := time.Now()
	for range rounds {
		if !json.Valid(bytes.TrimPrefix(data, utf8BOM)) {
			b.Fatal("invalid JSON")
		}
	}
	valid := float64(len(data)) * rounds / time.Since(start).Seconds()
	b.ReportMetric(vics/1e6, "MB/s-vics")
	b.ReportMetric(valid/1e6, "MB/s-json.Valid")
	b.ReportMetric(vics/valid, "ratio-vs-valid")
	row.Log(b, fmt.Sprintf("VICS 2.0 parser, 100,000 records (%d MB) in memory", len(data)/1e6), benchrow.Rate(vics/1e6, "MB/s"),
		"`json.Valid` over the same bytes, in process "+benchrow.Rate(valid/1e6, "MB/s"), vics/valid)
}
