package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/categorize"
	"scrim/internal/benchrow"
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
// audit log: use a copy you can spare). Without it, SCRIM_BENCH_DIR keeps
// the generated case between runs (readPathsCase).
func BenchmarkReadPaths(b *testing.B) {
	caseDir := os.Getenv("SCRIM_BENCH_CASE")
	origin := "the ingested case SCRIM_BENCH_CASE"
	if caseDir == "" {
		n := 200_000
		if v := os.Getenv("SCRIM_BENCH_OCCURRENCES"); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n <= 0 {
				b.Fatalf("SCRIM_BENCH_OCCURRENCES=%q: want a positive number", v)
			}
		}
		caseDir, origin = readPathsCase(b, n)
		if keep := os.Getenv("SCRIM_BENCH_DIR"); keep != "" {
			// make bench's next stage scrolls this case's queue in the
			// workstation (ui/desk BenchmarkGridScrollCase).
			if err := os.WriteFile(filepath.Join(keep, readPathsCaseLast), []byte(caseDir+"\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	row := benchrow.Start("cmd/read-paths")
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
		row.Named("cmd/read-paths/"+benchrow.Size(float64(s.Occurrences))).Log(b, fmt.Sprintf("read paths on %s: %s places, %s media, %s in the review queue", origin, benchrow.Count(float64(s.Occurrences)), benchrow.Count(float64(s.Unique)), benchrow.Count(float64(items))),
			fmt.Sprintf("`scrim stats` %s; `scrim files` %s (%s); review queue %s; PDF report %s", benchrow.Seconds(stats), benchrow.Rate(rows, "rows/s"), benchrow.Seconds(files), benchrow.Seconds(queue), benchrow.Seconds(report)),
			"— (targets: stats ≤ 5 s, files ≥ 200,000 rows/s, queue ≤ 2 s, report ≤ 60 s)", 0)
	}
}

// readPathsCaseLast, in SCRIM_BENCH_DIR, names the read-path case the last
// run kept.
const readPathsCaseLast = "readpaths-case.last"

// readPathsCase is the case of n generated places the read paths are timed
// on. Ingesting it takes hours at 10 M, so under SCRIM_BENCH_DIR it is built
// once, keyed by its parameters, and kept (a file marks it complete: a run
// killed while ingesting builds it again); without SCRIM_BENCH_DIR it is
// built in a temporary folder and removed. It returns the case and how the
// benchmark row names it.
func readPathsCase(b *testing.B, n int) (string, string) {
	media, perTar := max(1, n/10), min(n, 500_000)
	keep := os.Getenv("SCRIM_BENCH_DIR")
	dir := b.TempDir()
	if keep != "" {
		dir = filepath.Join(keep, fmt.Sprintf("readpaths-case-%d-places-%d-media-%d-per-tar", n, media, perTar))
	}
	caseDir, done := filepath.Join(dir, "case"), filepath.Join(dir, "complete")
	if built, err := os.ReadFile(done); err == nil {
		return caseDir, fmt.Sprintf("a case kept in %s (built %s)", dir, strings.TrimSpace(string(built)))
	}
	if err := os.RemoveAll(dir); err != nil {
		b.Fatal(err)
	}
	ev := filepath.Join(dir, "evidence")
	if err := large.Generate(ev, n, media, perTar); err != nil {
		b.Fatal(err)
	}
	d := timeIt(b, func() { runTool(b, scrimBin, "ingest", "--case", caseDir, "--progress", "none", ev) })
	b.Logf("ingest: %d places in %v, %.0f places/s", n, d.Round(time.Second), float64(n)/d.Seconds())
	if err := os.RemoveAll(ev); err != nil {
		b.Fatal(err)
	}
	if keep == "" {
		return caseDir, "a case built for this run"
	}
	built := fmt.Sprintf("%s, ingest %s", time.Now().UTC().Format("2006-01-02 15:04 UTC"), benchrow.Seconds(d))
	if err := os.WriteFile(done, []byte(built+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	return caseDir, fmt.Sprintf("a case built in this run and kept in %s", dir)
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
