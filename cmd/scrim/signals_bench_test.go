package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"scrim/internal/benchrow"
	"scrim/testdata/demo"
)

// BenchmarkIngestSignals ingests one generated tree (SCRIM_BENCH_SIGNALS_BYTES,
// default 300 MB, with 400 pictures of ~1 MP) three ways in the same run:
// before (no models found: no signals stage exists, as before signals),
// signals off (models there, turned off for the case) and signals on. It
// prints seconds and the ratios to before: off must be 1 within noise.
// The three alternate twice and the faster of each is kept, so a load
// spike hits no contender alone.
func BenchmarkIngestSignals(b *testing.B) {
	models, _ := filepath.Abs(filepath.Join("..", "..", ".cache", "models"))
	if _, err := os.Stat(filepath.Join(models, "blazeface.json")); err != nil {
		b.Skipf("models missing in %s: make bench runs make models first", models)
	}
	total := int64(300_000_000)
	if v := os.Getenv("SCRIM_BENCH_SIGNALS_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("SCRIM_BENCH_SIGNALS_BYTES: %v", err)
		}
		total = n
	}
	const pictures = 400
	root := filepath.Join(b.TempDir(), "tree")
	if _, err := demo.GenerateBulk(root, total, pictures, 7); err != nil {
		b.Fatal(err)
	}
	files, _ := listFiles(b, root)
	runTool(b, "cat", files...) // every contender reads from the page cache
	ways := []struct {
		name string
		args []string
	}{
		{"before", nil},
		{"off", []string{"--models", models, "--signals", "off"}},
		{"on", []string{"--models", models, "--signals", "on"}},
	}
	row := benchrow.Start("cmd/ingest-signals")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		best := map[string]time.Duration{}
		for range 2 {
			for _, w := range ways {
				caseDir := filepath.Join(b.TempDir(), "case")
				d := timeIt(b, func() {
					args := append([]string{"ingest", "--case", caseDir, "--progress", "none"}, w.args...)
					if out, err := exec.Command(scrimBin, append(args, root)...).CombinedOutput(); err != nil {
						b.Fatalf("scrim %v: %v\n%s", args, err, out)
					}
				})
				if old, ok := best[w.name]; !ok || d < old {
					best[w.name] = d
				}
			}
		}
		b.ReportMetric(best["before"].Seconds(), "before-s")
		b.ReportMetric(best["off"].Seconds(), "signals-off-s")
		b.ReportMetric(best["on"].Seconds(), "signals-on-s")
		b.ReportMetric(best["off"].Seconds()/best["before"].Seconds(), "x-off/before")
		b.ReportMetric(best["on"].Seconds()/best["before"].Seconds(), "x-on/before")
		b.ReportMetric(pictures/(best["on"].Seconds()), "pictures/s-with-signals")
		row.Log(b, fmt.Sprintf("`scrim ingest --signals on` (face, age, nudity models) of a %.2f GB tree with %d pictures, best of 2", float64(total)/1e9, pictures),
			fmt.Sprintf("%s (%.1f pictures/s); `--signals off` %s", benchrow.Seconds(best["on"]), pictures/best["on"].Seconds(), benchrow.Seconds(best["off"])),
			"the same ingest without the models' flags "+benchrow.Seconds(best["before"]), best["before"].Seconds()/best["on"].Seconds())
	}
}
