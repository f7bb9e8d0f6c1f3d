package categorize

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"scrim/store"
)

// BenchmarkSuggestAfterDecision: the near-duplicate pass the workstation
// runs in the background after a burst of decisions, on a case of
// SCRIM_BENCH_MEDIA pictures (default 20 000, a tenth of them categorized
// by a hash set), against the decision itself (Record) as the baseline.
func BenchmarkSuggestAfterDecision(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("SCRIM_BENCH_MEDIA")); err == nil && v > 0 {
		n = v
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewSource(1))
	batch := st.NewBatch()
	var shas []string
	hashes := make([]uint64, n)
	for i := range n {
		sha := fmt.Sprintf("%064x", i+1)
		shas = append(shas, sha)
		p := rng.Uint64()
		if i%10 == 1 { // near-duplicates of the previous picture
			p = hashes[i-1] ^ 0b1011
		}
		m := &store.Media{SHA256: sha, Kind: "picture", Type: "jpeg", PHash: fmt.Sprintf("%016x", p), DHash: fmt.Sprintf("%016x", p)}
		if _, err := batch.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/" + sha, SHA256: sha}, Media: m}); err != nil {
			b.Fatal(err)
		}
		hashes[i] = p
	}
	if err := batch.Flush(); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 10 {
		st.AddAssignment(shas[i], store.Assignment{Category: "1", Kind: "hashset", Source: "set", At: time.Now()})
	}
	scheme, _ := SchemeByID("vic-us")
	e := NewEngine(st, scheme)
	for i := 0; i < n; i += 10 {
		e.Recompute(shas[i])
	}
	ctx := context.Background()
	b.ResetTimer()
	var record, suggest time.Duration
	for i := range b.N {
		t0 := time.Now()
		if err := e.Record(ctx, "alice", "2", []string{shas[(i*7+3)%n]}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := e.Suggest(ctx); err != nil {
			b.Fatal(err)
		}
		record += t1.Sub(t0)
		suggest += time.Since(t1)
	}
	fmt.Printf("case of %d pictures, %d categorized: decision %.2f ms, background near-duplicate pass %.0f ms (%.0fx)\n",
		n, n/10+b.N, float64(record.Microseconds())/float64(b.N)/1000, float64(suggest.Milliseconds())/float64(b.N),
		float64(suggest)/float64(record))
}
