package digest

import (
	"bytes"
	"crypto/md5"
	"testing"

	"scrim/internal/benchrow"
)

// BenchmarkSum reports the one-pass three-digest speed beside MD5 alone on
// the same bytes in the same run: MD5 is the floor md5sum also pays.
func BenchmarkSum(b *testing.B) {
	row := benchrow.Start("ingest/digest/sum")
	data := randomBytes(64<<20, 1)
	h := NewHasher()
	defer h.Close()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.Sum(bytes.NewReader(data), -1, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	three := float64(len(data)) * float64(b.N) / b.Elapsed().Seconds()
	m := md5.New()
	const rounds = 4
	start := nowSeconds()
	for range rounds {
		m.Reset()
		m.Write(data)
	}
	md5Only := float64(len(data)) * rounds / (nowSeconds() - start)
	b.ReportMetric(three/1e6, "MB/s-3digests")
	b.ReportMetric(md5Only/1e6, "MB/s-md5only")
	b.ReportMetric(three/md5Only, "ratio-vs-md5")
	row.Log(b, "MD5 + SHA-1 + SHA-256 in one pass over 64 MiB in memory", benchrow.Rate(three/1e6, "MB/s"),
		"MD5 alone (what md5sum pays), in process "+benchrow.Rate(md5Only/1e6, "MB/s"), three/md5Only)
}
