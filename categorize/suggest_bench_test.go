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

	"scrim/internal/benchrow"
	"scrim/store"
)

// BenchmarkSuggestAfterDecision: the near-duplicate pass the workstation
// runs in the background after a decision (SuggestFrom, tables kept), beside
// the decision itself (Record) and a full Suggest over the whole case, on a
// case of SCRIM_BENCH_MEDIA pictures (default 20 000, a tenth of them
// categorized by a hash set).
func BenchmarkSuggestAfterDecision(b *testing.B) {
	row := benchrow.Start("categorize/suggest-after-decision")
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
	if err := e.SuggestFrom(ctx, nil); err != nil { // builds the kept tables
		b.Fatal(err)
	}
	b.ResetTimer()
	var record, from, full time.Duration
	for i := range b.N {
		sha := shas[(i*7+3)%n]
		t0 := time.Now()
		if err := e.Record(ctx, "alice", "2", []string{sha}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := e.SuggestFrom(ctx, []string{sha}); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := e.Suggest(ctx); err != nil {
			b.Fatal(err)
		}
		record += t1.Sub(t0)
		from += t2.Sub(t1)
		full += time.Since(t2)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	fmt.Printf("case of %d pictures, %d categorized: decision %.2f ms; near-duplicate pass from it %.2f ms (workstation); full pass %.0f ms (%.0fx the incremental one)\n",
		n, n/10+b.N, ms(record), ms(from), ms(full), float64(full)/float64(from))
	row.Log(b, fmt.Sprintf("near-duplicate pass after a decision, case of %s pictures (workstation, incremental)", benchrow.Count(float64(n))),
		fmt.Sprintf("%.2f ms (the decision itself %.2f ms)", ms(from), ms(record)), fmt.Sprintf("a full pass over the case %.0f ms", ms(full)), float64(full)/float64(from))
}
