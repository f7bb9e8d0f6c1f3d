package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/internal/benchrow"
	"scrim/testdata/large"
)

// BenchmarkTarMembersOnHelpers ingests one TAR of SCRIM_BENCH_TAR_MEMBERS
// small generated PNGs (default 100 000, a tenth as many distinct) with one
// worker, the baseline, and with one per CPU, alternately, best of two each:
// a TAR's members come from one stream, and its walker lends them by their
// bytes to the idle workers. It prints the places/s of both, their ratio
// (the aim is about the number of CPUs on a quiet machine), the CPU time of
// each and the load average, which on a shared machine decides much.
func BenchmarkTarMembersOnHelpers(b *testing.B) {
	n := 100_000
	if v := os.Getenv("SCRIM_BENCH_TAR_MEMBERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 || n > large.MaxPerTar {
			b.Fatalf("SCRIM_BENCH_TAR_MEMBERS=%q: want 1 to %d", v, large.MaxPerTar)
		}
	}
	ev := filepath.Join(b.TempDir(), "evidence")
	if err := large.Generate(ev, n, max(1, n/10), n); err != nil {
		b.Fatal(err)
	}
	workers := strconv.Itoa(runtime.NumCPU())
	row := benchrow.Start("cmd/tar-members")
	b.ResetTimer()
	for range b.N {
		var oneWall, allWall, oneCPU, allCPU time.Duration
		for round := range 2 {
			w1, c1 := ingestTimes(b, ev, "--workers", "1")
			wn, cn := ingestTimes(b, ev, "--workers", workers)
			if round == 0 || w1 < oneWall {
				oneWall, oneCPU = w1, c1
			}
			if round == 0 || wn < allWall {
				allWall, allCPU = wn, cn
			}
		}
		places := float64(n + 1) // the members and the TAR itself
		ratio := oneWall.Seconds() / allWall.Seconds()
		b.ReportMetric(places/allWall.Seconds(), "places/s")
		b.ReportMetric(ratio, "x-one-worker")
		b.Logf("one TAR of %d members, load average %s", n, loadAverage())
		b.Logf("1 worker (baseline)  %8.0f places/s  %v wall, %v CPU", places/oneWall.Seconds(), oneWall.Round(time.Millisecond), oneCPU.Round(time.Millisecond))
		b.Logf("%s workers (lent)     %8.0f places/s  %v wall, %v CPU: %.2f× the baseline", workers, places/allWall.Seconds(), allWall.Round(time.Millisecond), allCPU.Round(time.Millisecond), ratio)
		row.Log(b, fmt.Sprintf("`scrim ingest` of one TAR of %s members lent to %s workers, best of 2", benchrow.Count(float64(n)), workers),
			fmt.Sprintf("%s (%s, %s CPU)", benchrow.Rate(places/allWall.Seconds(), "places/s"), benchrow.Seconds(allWall), benchrow.Seconds(allCPU)),
			fmt.Sprintf("the same with `--workers 1` %s (%s)", benchrow.Rate(places/oneWall.Seconds(), "places/s"), benchrow.Seconds(oneWall)), ratio)
	}
}

// loadAverage is the system's 1, 5 and 15-minute load, to print beside a
// speed measured on a shared machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
