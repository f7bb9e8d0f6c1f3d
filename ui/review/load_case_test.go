package review

import (
	"context"
	"os"
	"testing"

	"scrim/categorize"
	"scrim/store"
)

// BenchmarkLoadCase opens the review queue of the case SCRIM_BENCH_CASE
// as the workstation does (groups follow later); skipped without it.
func BenchmarkLoadCase(b *testing.B) {
	dir := os.Getenv("SCRIM_BENCH_CASE")
	if dir == "" {
		b.Skip("SCRIM_BENCH_CASE names an ingested case")
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m, err := Load(context.Background(), st, nil, scheme)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Total()), "items")
	}
}
