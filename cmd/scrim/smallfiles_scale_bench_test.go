package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"scrim/internal/benchrow"
)

// BenchmarkSmallFilesScale times `scrim ingest` of SCRIM_BENCH_SCALE_FILES
// small files (10,000,000 for issue 16; unset: skipped, the tree takes 40
// GB) against SCRIM_BENCH_SCALE_BASE (default 1,000,000) files of the same
// kind, both trees evicted from the page cache before each ingest, the
// smaller timed just before and just after the larger. The cold speed
// follows the disk, whose speed here drifts by the hour (hashdeep read the
// same cold 1 M tree in 73.7 s one afternoon and 93.0 s one evening): a
// ratio of rows timed hours apart measured the disk as much as Scrim. The
// ratio printed is the larger's files/s over the smaller's two runs
// together.
func BenchmarkSmallFilesScale(b *testing.B) {
	large := scaleEnv(b, "SCRIM_BENCH_SCALE_FILES", 0)
	if large == 0 {
		b.Skip("SCRIM_BENCH_SCALE_FILES not set: set it (10000000 for issue 16) to time the larger tree against SCRIM_BENCH_SCALE_BASE")
	}
	base := scaleEnv(b, "SCRIM_BENCH_SCALE_BASE", 1_000_000)
	if base >= large {
		b.Fatalf("SCRIM_BENCH_SCALE_BASE (%d) must be smaller than SCRIM_BENCH_SCALE_FILES (%d)", base, large)
	}
	dir, err := os.MkdirTemp(os.Getenv("SCRIM_BENCH_DIR"), "scrim-smallfiles-scale")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	baseRoot, baseOrigin := smallFilesTree(b, dir, base)
	largeRoot, largeOrigin := smallFilesTree(b, dir, large)
	ingestArgs, signalsNote := smallFilesIngestArgs()
	// ingest evicts root, ingests it into a new case, removes the case and
	// returns the wall time and peak RSS.
	run := 0
	ingest := func(root string, n int) (time.Duration, int64) {
		evictTree(b, root)
		run++
		caseDir := filepath.Join(dir, fmt.Sprintf("case%d", run))
		defer os.RemoveAll(caseDir)
		var rss int64
		d := timeIt(b, func() {
			cmd := exec.Command(scrimBin, append(ingestArgs, caseDir, root)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("scrim ingest %s: %v\n%s", root, err, out)
			}
			if !bytes.Contains(out, []byte(fmt.Sprintf("%d files seen, %d added", n, n))) {
				b.Fatalf("scrim ingest did not report %d files:\n%s", n, out)
			}
			rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
		})
		return d, rss
	}
	row := benchrow.Start("cmd/small-files-scale/" + benchrow.Size(float64(large)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loadBefore := loadAverage()
		before, _ := ingest(baseRoot, base)
		largeTime, largeRSS := ingest(largeRoot, large)
		after, _ := ingest(baseRoot, base)
		rate := func(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }
		baseRate := rate(2*base, before+after)
		ratio := rate(large, largeTime) / baseRate
		b.ReportMetric(rate(large, largeTime), "large-files/s")
		b.ReportMetric(baseRate, "base-files/s")
		b.ReportMetric(ratio, "x-base")
		b.ReportMetric(float64(largeRSS)/(1<<20), "large-peak-RSS-MiB")
		fmt.Printf("cold ingest of %d small files: %.1f s, %.0f files/s, peak RSS %d MiB; of %d before and after it: %.1f and %.1f s, %.0f files/s; %.2f of that speed; load average %s before, %s after\n",
			large, largeTime.Seconds(), rate(large, largeTime), largeRSS>>20, base, before.Seconds(), after.Seconds(), baseRate, ratio, loadBefore, loadAverage())
		row.Log(b, fmt.Sprintf("`scrim ingest` of %s small files against %s of the same kind timed just before and after it (200 B–3 KB, 30 %% copies, 1000 per folder; SCRIM_BENCH_SCALE_FILES, SCRIM_BENCH_SCALE_BASE; each tree evicted from the page cache before each ingest; %s; trees %s and %s)",
			benchrow.Count(float64(large)), benchrow.Count(float64(base)), signalsNote, largeOrigin, baseOrigin),
			fmt.Sprintf("%s (%s), peak RSS %s", benchrow.Rate(rate(large, largeTime), "files/s"), benchrow.Seconds(largeTime), benchrow.MiB(largeRSS)),
			fmt.Sprintf("%s files: %s (%s before, %s after)", benchrow.Count(float64(base)), benchrow.Rate(baseRate, "files/s"), benchrow.Seconds(before), benchrow.Seconds(after)),
			ratio)
	}
}

// scaleEnv reads a positive number of files from the environment, def when unset.
func scaleEnv(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number of files", name, v)
	}
	return n
}
