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

// benchBytes reads a size from the environment, with a default.
func benchBytes(b *testing.B, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: a byte count, please", name, v)
	}
	return n
}

// ingestTime runs scrim ingest of evidence into a fresh case and returns
// its wall time.
func ingestTime(b *testing.B, evidence string, args ...string) time.Duration {
	wall, _ := ingestTimes(b, evidence, args...)
	return wall
}

// ingestTimes also returns the CPU time (user and system) the ingest took,
// which a machine shared with other work disturbs less than wall time.
func ingestTimes(b *testing.B, evidence string, args ...string) (wall, cpu time.Duration) {
	b.Helper()
	caseDir := filepath.Join(b.TempDir(), "case")
	cmd := exec.Command(scrimBin, append(append([]string{"ingest", "--case", caseDir, "--progress", "none"}, args...), evidence)...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("scrim ingest %s: %v\n%s", evidence, err, out)
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// bestOf runs f n times and keeps the fastest, so one busy moment of a
// shared machine does not decide a ratio.
func bestOf(n int, f func() time.Duration) time.Duration {
	best := f()
	for range n - 1 {
		best = min(best, f())
	}
	return best
}

// BenchmarkExpansionCost ingests one generated tree of pictures and
// non-picture files (SCRIM_BENCH_EXPAND_BYTES, default 300 MB) with the
// default expansion and with --max-depth 0, alternately, and prints the
// ratio of their speeds: expansion must cost nearly nothing on evidence
// without containers (target ≥ 0.97).
func BenchmarkExpansionCost(b *testing.B) {
	total := benchBytes(b, "SCRIM_BENCH_EXPAND_BYTES", 300_000_000)
	root := filepath.Join(b.TempDir(), "tree")
	if _, err := demo.GenerateBulk(root, total, 100, 13); err != nil {
		b.Fatal(err)
	}
	files, size := listFiles(b, root)
	runTool(b, "cat", files...)
	row := benchrow.Start("cmd/expansion-cost")
	b.ResetTimer()
	for range b.N {
		on, off := time.Duration(1<<62), time.Duration(1<<62)
		onCPU, offCPU := on, off
		for range 3 {
			w, c := ingestTimes(b, root, "--max-depth", "0")
			off, offCPU = min(off, w), min(offCPU, c)
			w, c = ingestTimes(b, root)
			on, onCPU = min(on, w), min(onCPU, c)
		}
		mbs := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
		ratio := off.Seconds() / on.Seconds()
		b.ReportMetric(ratio, "ratio-on/off")
		b.ReportMetric(offCPU.Seconds()/onCPU.Seconds(), "cpu-ratio-on/off")
		b.ReportMetric(mbs(on), "on-MB/s")
		b.ReportMetric(mbs(off), "off-MB/s")
		fmt.Printf("expansion cost, %d files, %.2f GB without containers: default %.2f s (%.0f MB/s, CPU %.2f s), --max-depth 0 %.2f s (%.0f MB/s, CPU %.2f s): speed ratio %.3f (target >= 0.97), CPU ratio %.3f (target >= 0.97)\n",
			len(files), float64(size)/1e9, on.Seconds(), mbs(on), onCPU.Seconds(), off.Seconds(), mbs(off), offCPU.Seconds(), ratio, offCPU.Seconds()/onCPU.Seconds())
		row.Log(b, fmt.Sprintf("`scrim ingest` of a %.2f GB mixed tree without containers (%d files, 100 JPEGs), default expansion, best of 3", float64(size)/1e9, len(files)),
			fmt.Sprintf("%s wall, %s CPU (CPU ratio %.3f×, target ≥ 0.97)", benchrow.Seconds(on), benchrow.Seconds(onCPU), offCPU.Seconds()/onCPU.Seconds()),
			fmt.Sprintf("the same ingest with `--max-depth 0` %s wall, %s CPU", benchrow.Seconds(off), benchrow.Seconds(offCPU)), ratio)
	}
}

// BenchmarkZipVsLoose ingests generated 2 MP JPEGs (SCRIM_BENCH_ZIP_BYTES
// of them, default 60 MB; make bench asks for 1 GB) loose, then as a
// stored and as a deflated ZIP, and in the same run times `unzip -p Z |
// md5sum` of each archive. It prints files/s, MB/s and the ratio of the
// ZIP's speed to the loose pictures' (target ≥ 0.5).
func BenchmarkZipVsLoose(b *testing.B) {
	total := benchBytes(b, "SCRIM_BENCH_ZIP_BYTES", 60_000_000)
	for _, tool := range []string{"zip", "unzip", "md5sum", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Fatalf("%s not installed (make bench installs it)", tool)
		}
	}
	dir := b.TempDir()
	loose := filepath.Join(dir, "loose")
	const perPicture = 375_000 // about what a generated 1600×1200 picture at quality 90 takes
	n := int(max(total/perPicture, 1))
	if _, err := demo.GenerateJPEGs(filepath.Join(loose, "pics"), n, 1600, 1200, 90, 21); err != nil {
		b.Fatal(err)
	}
	files, size := listFiles(b, loose)
	zips := map[string]string{}
	for _, kind := range []string{"stored", "deflated"} {
		ev := filepath.Join(dir, kind)
		os.MkdirAll(ev, 0o755)
		zips[kind] = filepath.Join(ev, "pics.zip")
		args := []string{"-q", "-r"}
		if kind == "stored" {
			args = append(args, "-0")
		}
		cmd := exec.Command("zip", append(args, zips[kind], "pics")...)
		cmd.Dir = loose
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("zip: %v\n%s", err, out)
		}
	}
	runTool(b, "cat", append(files, zips["stored"], zips["deflated"])...)
	mbs := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	b.ResetTimer()
	for range b.N {
		rows := map[string]benchrow.Meter{"stored": benchrow.Start("cmd/zip-vs-loose/" + benchrow.Size(float64(total)) + "/stored"), "deflated": benchrow.Start("cmd/zip-vs-loose/" + benchrow.Size(float64(total)) + "/deflated")}
		tLoose := bestOf(2, func() time.Duration { return ingestTime(b, loose) })
		fmt.Printf("zip vs loose, %d JPEGs, %.2f GB: loose %.2f s (%.1f files/s, %.0f MB/s)\n",
			len(files), float64(size)/1e9, tLoose.Seconds(), float64(len(files))/tLoose.Seconds(), mbs(tLoose))
		b.ReportMetric(mbs(tLoose), "loose-MB/s")
		for _, kind := range []string{"stored", "deflated"} {
			t := bestOf(2, func() time.Duration { return ingestTime(b, filepath.Dir(zips[kind])) })
			unzip := timeIt(b, func() { runTool(b, "sh", "-c", "unzip -p \"$1\" | md5sum", "sh", zips[kind]) })
			b.ReportMetric(mbs(t), kind+"-MB/s")
			b.ReportMetric(tLoose.Seconds()/t.Seconds(), kind+"-ratio")
			fmt.Printf("  %s ZIP: %.2f s (%.1f files/s, %.0f MB/s): %.2fx the loose speed (target >= 0.5); unzip -p | md5sum %.2f s (%.0f MB/s)\n",
				kind, t.Seconds(), float64(len(files))/t.Seconds(), mbs(t), tLoose.Seconds()/t.Seconds(), unzip.Seconds(), mbs(unzip))
			rows[kind].Log(b, fmt.Sprintf("`scrim ingest` of a %.2f GB %s ZIP of %d generated 2 MP JPEGs (SCRIM_BENCH_ZIP_BYTES), best of 2", float64(size)/1e9, kind, len(files)),
				fmt.Sprintf("%s (%.1f files/s, %s; target ≥ 0.5× loose)", benchrow.Seconds(t), float64(len(files))/t.Seconds(), benchrow.Rate(mbs(t), "MB/s")),
				fmt.Sprintf("the same JPEGs loose %s (%.1f files/s); `unzip -p | md5sum` %s", benchrow.Seconds(tLoose), float64(len(files))/tLoose.Seconds(), benchrow.Seconds(unzip)),
				tLoose.Seconds()/t.Seconds())
		}
	}
}
