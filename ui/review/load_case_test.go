package review

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"scrim/categorize"
	"scrim/internal/benchrow"
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
	row := benchrow.Start("ui/review/load-case")
	items := 0
	for b.Loop() {
		m, err := Load(context.Background(), st, nil, scheme)
		if err != nil {
			b.Fatal(err)
		}
		items = m.Total()
		b.ReportMetric(float64(items), "items")
	}
	row.Log(b, fmt.Sprintf("review queue of the ingested case SCRIM_BENCH_CASE (%s items): index, cluster order, filter", benchrow.Count(float64(items))),
		benchrow.Seconds(b.Elapsed()/time.Duration(b.N)), "— (aim ≤ 2 s)", 0)
}
