package filetype

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// BenchmarkSniff cycles through a mix of heads; full-size text and random
// heads are the worst case, since they fall through every matcher.
func BenchmarkSniff(b *testing.B) {
	var heads [][]byte
	for _, c := range sniffCases() {
		heads = append(heads, c.head)
	}
	text := bytes.Repeat([]byte("Exhibit 7, seized 2024-03-01 at 06:15, laptop, serial unknown.\n"), HeadSize/64)
	heads = append(heads, text, randomBytes(3, HeadSize), mp3Frames(10)[:HeadSize], tsPackets(22, 188, 0)[:HeadSize])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Sniff(heads[i%len(heads)])
		i++
	}
}

// BenchmarkSniffWorstCase is the slowest path: a full head that matches
// nothing until the text check at the very end.
func BenchmarkSniffWorstCase(b *testing.B) {
	text := bytes.Repeat([]byte("Exhibit 7, seized 2024-03-01 at 06:15, laptop, serial unknown.\n"), HeadSize/64)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Sniff(text)
	}
}

// BenchmarkIsText times isText on the heads of small binary files (the
// files of a phone or a NAS that match no signature) and on a text head,
// beside the branch-per-byte reference in the same run.
func BenchmarkIsText(b *testing.B) {
	text := bytes.Repeat([]byte("Exhibit 7, seized 2024-03-01 at 06:15, laptop, serial unknown.\n"), HeadSize/64)
	var binary [][]byte
	for seed := range 64 {
		binary = append(binary, randomBytes(uint64(seed), 200+seed*45))
	}
	for _, c := range []struct {
		name, what string
		heads      [][]byte
	}{{"binary", "64 binary heads of 200 B-3 KB", binary}, {"text", "a 4 KiB text head", [][]byte{text}}} {
		b.Run(c.name, func(b *testing.B) {
			row := benchrow.Start("ingest/filetype/is-text-" + c.name)
			per := func(f func([]byte) bool) float64 {
				const rounds = 2000
				start := time.Now()
				for i := range rounds {
					f(c.heads[i%len(c.heads)])
				}
				return float64(time.Since(start).Nanoseconds()) / rounds
			}
			var table, branches float64
			for b.Loop() {
				table += per(isText)
				branches += per(isTextByBranches)
			}
			b.ReportMetric(table/float64(b.N), "ns/head")
			b.ReportMetric(branches/float64(b.N), "reference-ns/head")
			b.ReportMetric(branches/table, "x-reference")
			row.Log(b, "text check (isText) of "+c.what, fmt.Sprintf("%.0f ns a head", table/float64(b.N)),
				fmt.Sprintf("one branch per byte (the check before) %.0f ns a head", branches/float64(b.N)), branches/table)
		})
	}
}
