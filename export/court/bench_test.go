package court

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"scrim/internal/benchrow"
	"scrim/store"
)

// BenchmarkBundle writes, opens and verifies a bundle of 64 one-MiB
// originals with the default KDF and chunk size: go test -bench Bundle -benchtime 1x.
func BenchmarkBundle(b *testing.B) {
	tc := openCase(b)
	batch := tc.st.NewBatch()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 64 {
		data := make([]byte, 1<<20)
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		tc.add(b, batch, filepath.Join("/", "f", string(rune('a'+i%26))+string(rune('a'+i/26))+".jpg"), data, []byte("thumb"),
			store.Category{Category: "1", Source: "examiner:a"})
	}
	if err := batch.Flush(); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "big"+Ext)
	row := benchrow.Start("export/court/bundle")
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		sum, err := Write(f, tc.st, WriteOptions{Passphrase: pass, CreatedBy: "a"})
		f.Close()
		if err != nil || sum.Originals != 64 {
			b.Fatal(sum, err)
		}
		t1 := time.Now()
		bb, err := Open(p, pass)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := bb.Verify(); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		rd, _ := bb.OriginalReader(bb.Media()[0].SHA256)
		io.Copy(io.Discard, rd)
		bb.Close()
		mb := float64(sum.Bytes) / (1 << 20)
		b.ReportMetric(mb/t1.Sub(t0).Seconds(), "write-MB/s")
		b.ReportMetric(float64(t2.Sub(t1).Milliseconds()), "open-ms")
		b.ReportMetric(mb/t3.Sub(t2).Seconds(), "verify-MB/s")
		row.Log(b, "court package of 64 × 1 MiB originals", fmt.Sprintf("write %s, verify %s, open %s (argon2id)",
			benchrow.Rate(mb/t1.Sub(t0).Seconds(), "MB/s"), benchrow.Rate(mb/t3.Sub(t2).Seconds(), "MB/s"), benchrow.Seconds(t2.Sub(t1))), benchrow.None, 0)
	}
}
