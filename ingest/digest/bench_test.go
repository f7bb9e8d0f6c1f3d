package digest

import (
	"bytes"
	"crypto/md5"
	"math/rand/v2"
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

// BenchmarkMD5Many hashes batches of 64 small-file-sized messages (200 B
// to 3 KB, as the small-file benchmark's tree) eight lanes at a time,
// beside crypto/md5 one message at a time on the same batches.
func BenchmarkMD5Many(b *testing.B) {
	row := benchrow.Start("ingest/digest/md5many")
	data := randomBytes(1<<20, 2)
	r := rand.New(rand.NewPCG(1, 2))
	msgs := make([][]byte, 64)
	total := 0
	for i := range msgs {
		n := 200 + r.IntN(2800)
		off := r.IntN(len(data) - n)
		msgs[i], total = data[off:off+n], total+n
	}
	sums := make([][md5.Size]byte, len(msgs))
	b.SetBytes(int64(total))
	b.ResetTimer()
	for b.Loop() {
		MD5Many(msgs, sums)
	}
	b.StopTimer()
	// Both timed over the same number of batches, so that make bench's
	// single iteration gives a steady figure too.
	const rounds = 2000
	start := nowSeconds()
	for range rounds {
		MD5Many(msgs, sums)
	}
	many := float64(total) * rounds / (nowSeconds() - start)
	start = nowSeconds()
	for range rounds {
		for i, m := range msgs {
			sums[i] = md5.Sum(m)
		}
	}
	one := float64(total) * rounds / (nowSeconds() - start)
	b.ReportMetric(many/1e6, "MB/s-md5many")
	b.ReportMetric(one/1e6, "MB/s-md5")
	b.ReportMetric(many/one, "ratio-vs-md5")
	row.Log(b, "MD5 of 64 messages of 200 B-3 KB, eight at a time", benchrow.Rate(many/1e6, "MB/s"),
		"crypto/md5 one message at a time, in process "+benchrow.Rate(one/1e6, "MB/s"), many/one)
}
