package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"scrim/categorize"
	"scrim/store"
	"scrim/testdata/large"
	"scrim/ui/review"
)

// BenchmarkReadPaths ingests SCRIM_BENCH_OCCURRENCES places (default
// 200 000; make bench asks for 10 M) of a tenth as many distinct pictures,
// as TAR archives of generated PNGs (testdata/large), then times every
// read path on that case beside its target: `scrim stats` ≤ 5 s, `scrim
// files` ≥ 200 000 rows/s, the review queue open ≤ 2 s, the PDF report
// ≤ 60 s. SCRIM_BENCH_CASE names a case already ingested that way to
// measure instead (it is only read, but `export` records itself in its
// audit log: use a copy you can spare).
func BenchmarkReadPaths(b *testing.B) {
	caseDir := os.Getenv("SCRIM_BENCH_CASE")
	if caseDir == "" {
		n := 200_000
		if v := os.Getenv("SCRIM_BENCH_OCCURRENCES"); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n <= 0 {
				b.Fatalf("SCRIM_BENCH_OCCURRENCES=%q: want a positive number", v)
			}
		}
		ev := filepath.Join(b.TempDir(), "evidence")
		if err := large.Generate(ev, n, max(1, n/10), min(n, 500_000)); err != nil {
			b.Fatal(err)
		}
		caseDir = filepath.Join(b.TempDir(), "case")
		d := timeIt(b, func() { runTool(b, scrimBin, "ingest", "--case", caseDir, "--progress", "none", ev) })
		b.Logf("ingest: %d places in %v, %.0f places/s", n, d.Round(time.Second), float64(n)/d.Seconds())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stats := timeIt(b, func() { runTool(b, scrimBin, "stats", "--case", caseDir) })
		s := readStats(b, caseDir)
		files := timeIt(b, func() { runTool(b, scrimBin, "files", "--case", caseDir, "--out", os.DevNull) })
		queue, items := timeQueue(b, caseDir)
		pdf := filepath.Join(b.TempDir(), "report.pdf")
		report := timeIt(b, func() {
			runTool(b, scrimBin, "export", "--case", caseDir, "--format", "pdf", "--out", pdf, "--examiner", "bench")
		})
		rows := float64(s.Occurrences) / files.Seconds()
		b.ReportMetric(stats.Seconds(), "stats-s")
		b.ReportMetric(rows, "files-rows/s")
		b.ReportMetric(queue.Seconds(), "queue-open-s")
		b.ReportMetric(report.Seconds(), "report-pdf-s")
		b.Logf("case: %d occurrences, %d unique media, %d in the review queue", s.Occurrences, s.Unique, items)
		b.Logf("scrim stats   %8.2f s        target ≤ 5 s", stats.Seconds())
		b.Logf("scrim files   %8.0f rows/s   target ≥ 200000 rows/s (%v)", rows, files.Round(time.Millisecond))
		b.Logf("review queue  %8.2f s        target ≤ 2 s (open: read, index, order)", queue.Seconds())
		b.Logf("PDF report    %8.2f s        target ≤ 60 s", report.Seconds())
	}
}

// timeQueue opens the review queue the way the workstation does when a case
// opens: review.Load without near-duplicate groups, which the workstation
// computes afterwards in the background (timed too, unless
// SCRIM_BENCH_SKIP_GROUPING is set: it can take minutes).
func timeQueue(b *testing.B, caseDir string) (time.Duration, int) {
	b.Helper()
	st, err := store.Open(caseDir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		b.Fatal(err)
	}
	var m *review.Model
	d := timeIt(b, func() {
		m, err = review.Load(context.Background(), st, nil, scheme)
	})
	if err != nil {
		b.Fatal(err)
	}
	if os.Getenv("SCRIM_BENCH_SKIP_GROUPING") == "" {
		var clusters [][]string
		g := timeIt(b, func() { clusters, err = categorize.NewEngine(st, scheme).Clusters() })
		if err != nil {
			b.Fatal(err)
		}
		m.SetClusters(clusters)
		b.ReportMetric(g.Seconds(), "grouping-s")
		b.Logf("near-duplicate grouping (background, after the queue shows): %.2f s, %d groups", g.Seconds(), len(clusters))
	}
	return d, m.Total()
}
