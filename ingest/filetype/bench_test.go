package filetype

import (
	"bytes"
	"testing"
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
