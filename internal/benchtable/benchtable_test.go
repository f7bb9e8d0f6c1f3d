package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const logA = `BENCHLOG date=2026-12-04T19:40Z | commit=abc1234+dirty | machine=2 CPUs, AMD EPYC, 23.5 GiB memory
go test -run NONE -bench . ./store
BenchmarkBatchAdd-2   	       1	30169857048 ns/op	      2762 files/s
--- BENCH: BenchmarkBatchAdd-2
    bench_test.go:68: BENCHROW path=store/batch-add | what=store: 50000 file records | scrim=2,760 files/s | baseline=a raw Badger WriteBatch 5,210 files/s | ratio=0.53× | load=7.47 → 7.84 | at=2026-12-04T19:26Z
BenchmarkSum-2   	BENCHROW path=ingest/digest/sum | what=three digests \| one pass | scrim=125 MB/s | baseline=MD5 alone 249 MB/s | ratio=0.00× | load=7.84 → 7.84 | at=2026-12-04T19:27Z
       1	 535574642 ns/op
    bench_test.go:68: BENCHROW path=store/batch-add | what=store: 50000 file records | scrim=2,900 files/s | baseline=a raw Badger WriteBatch 5,000 files/s | ratio=0.58× | load=7.00 → 7.10 | at=2026-12-04T19:28Z
BENCHSTAGE name=ingest/store/categorize | seconds=412 | load=7.5 → 6.2 | status=ok
`

const logB = `BENCHLOG date=2026-12-05T08:00Z | commit=def5678 | machine=2 CPUs, AMD EPYC, 23.5 GiB memory
    x_test.go:1: BENCHROW path=ui/preview/blurred-tile | what=one blurred tile | scrim=1.90 ms | baseline=— | ratio=— | load=0.50 → 0.60 | at=2026-12-05T08:01Z
    x_test.go:1: BENCHROW path=store/batch-add | what=store: 50000 file records | scrim=3,100 files/s | baseline=a raw Badger WriteBatch 5,100 files/s | ratio=0.61× | load=0.40 → 0.50 | at=2026-12-05T08:02Z
BENCHSTAGE name=ui | seconds=33 | load=0.4 → 0.6 | status=failed (exit 1)
`

const readme = "# Scrim\n\n## Speed\n\nProse above.\n\n" + beginMarker + "\n" + endMarker + "\n\nProse below.\n"

func readLog(t *testing.T, s string) Log {
	t.Helper()
	lg, err := ReadLog(strings.NewReader(s), "bench.log")
	if err != nil {
		t.Fatal(err)
	}
	return lg
}

func TestReadLog(t *testing.T) {
	lg := readLog(t, logA)
	if lg.Header.Commit != "abc1234+dirty" || lg.Header.Date != "2026-12-04T19:40Z" || !strings.Contains(lg.Header.Machine, "AMD EPYC") {
		t.Errorf("header %+v", lg.Header)
	}
	if len(lg.Rows) != 2 || lg.Rows[0].Path != "store/batch-add" || lg.Rows[1].Path != "ingest/digest/sum" {
		t.Fatalf("rows %+v", lg.Rows)
	}
	if lg.Rows[0].Scrim != "2,900 files/s" {
		t.Errorf("the last run of a path counts: %q", lg.Rows[0].Scrim)
	}
	if lg.Rows[1].What != "three digests | one pass" {
		t.Errorf("escaped bar: %q", lg.Rows[1].What)
	}
	if len(lg.Stages) != 1 || lg.Stages[0] != "ingest/store/categorize 412 s (load 7.5 → 6.2)" {
		t.Errorf("stages %q", lg.Stages)
	}
}

func TestReadLogErrorsNameTheLine(t *testing.T) {
	for name, c := range map[string]struct{ log, want string }{
		"malformed row": {strings.Replace(logA, "ratio=0.00×", "ratio=fast", 1), "bench.log:6: path ingest/digest/sum: ratio \"fast\""},
		"no header":     {logA[strings.Index(logA, "\n")+1:], "bench.log: no BENCHLOG line"},
		"two headers":   {logA + logB, "bench.log:10: a second BENCHLOG line"},
		"bad stage":     {logA + "BENCHSTAGE name=x\n", "bench.log:10: BENCHSTAGE: 1 fields"},
		"bad date":      {strings.Replace(logA, "date=2026-12-04T19:40Z", "date=today", 1), "bench.log:1: BENCHLOG: date \"today\""},
	} {
		_, err := ReadLog(strings.NewReader(c.log), "bench.log")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, c.want)
		}
	}
}

func TestRewriteIdempotentAndKeepsOldRowsMarked(t *testing.T) {
	one, err := Rewrite(readme, readLog(t, logA))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Prose above.", "Prose below.",
		"Generated from the `make bench` log of 2026-12-04 19:40 UTC at commit abc1234+dirty on 2 CPUs, AMD EPYC, 23.5 GiB memory: 2 rows from that run.",
		"Stages (wall time, 1-minute load at start → end): ingest/store/categorize 412 s (load 7.5 → 6.2).",
		"| `ingest/digest/sum` | three digests \\| one pass | 125 MB/s | MD5 alone 249 MB/s | 0.00× | 7.84 → 7.84 | 2026-12-04 19:27 UTC at abc1234+dirty |",
		"| `store/batch-add` | store: 50000 file records | 2,900 files/s |",
	} {
		if !strings.Contains(one, want) {
			t.Errorf("missing %q in\n%s", want, one)
		}
	}
	if strings.Index(one, "`ingest/digest/sum`") > strings.Index(one, "`store/batch-add`") {
		t.Error("rows are not sorted by path")
	}
	again, err := Rewrite(one, readLog(t, logA))
	if err != nil || again != one {
		t.Fatalf("not idempotent (%v):\n%s\n---\n%s", err, one, again)
	}

	two, err := Rewrite(one, readLog(t, logB))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| `ingest/digest/sum` | three digests \\| one pass | 125 MB/s | MD5 alone 249 MB/s | 0.00× | 7.84 → 7.84 | 2026-12-04 19:27 UTC at abc1234+dirty" + keptMark + " |",
		"| `store/batch-add` | store: 50000 file records | 3,100 files/s | a raw Badger WriteBatch 5,100 files/s | 0.61× | 0.40 → 0.50 | 2026-12-05 08:02 UTC at def5678 |",
		"| `ui/preview/blurred-tile` | one blurred tile | 1.90 ms | — | — | 0.50 → 0.60 | 2026-12-05 08:01 UTC at def5678 |",
		"2 rows from that run, 1 kept from earlier runs (marked, with their own dates).",
		"ui 33 s (load 0.4 → 0.6), failed (exit 1)",
	} {
		if !strings.Contains(two, want) {
			t.Errorf("missing %q in\n%s", want, two)
		}
	}
	if strings.Count(two, keptMark) != 1 {
		t.Errorf("%d kept marks, want 1", strings.Count(two, keptMark))
	}
	three, err := Rewrite(two, readLog(t, logB))
	if err != nil || three != two {
		t.Fatalf("a kept row is marked once, whatever the runs (%v):\n%s", err, three)
	}
	// The first log again: its rows are fresh, the one it lacks is kept.
	four, err := Rewrite(three, readLog(t, logA))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(four, "7.84 → 7.84 | 2026-12-04 19:27 UTC at abc1234+dirty |") || !strings.Contains(four, "2026-12-05 08:01 UTC at def5678"+keptMark) {
		t.Errorf("fresh again / kept:\n%s", four)
	}
}

func TestRewriteErrors(t *testing.T) {
	lg := readLog(t, logA)
	if _, err := Rewrite("# no table here\n", lg); err == nil || !strings.Contains(err.Error(), "no \""+beginMarker) {
		t.Errorf("no markers: %v", err)
	}
	broken := strings.Replace(readme, endMarker, "| a | b |\n| - | - |\n| `x` | only two |\n"+endMarker, 1)
	if _, err := Rewrite(broken, lg); err == nil || !strings.Contains(err.Error(), "line 4 of the table: 2 cells, want 7") {
		t.Errorf("broken table: %v", err)
	}
}

func TestRewriteFile(t *testing.T) {
	dir := t.TempDir()
	logPath, readmePath := filepath.Join(dir, "bench.log"), filepath.Join(dir, "README.md")
	os.WriteFile(logPath, []byte(logA), 0o644)
	os.WriteFile(readmePath, []byte(readme), 0o644)
	if err := run([]string{"table", "-log", logPath, "-readme", readmePath}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(readmePath)
	if !strings.Contains(string(got), "`store/batch-add`") {
		t.Errorf("README not rewritten:\n%s", got)
	}
	os.WriteFile(logPath, []byte(strings.Replace(logA, "load=7.47 → 7.84", "load=high", 1)), 0o644)
	if err := run([]string{"table", "-log", logPath, "-readme", readmePath}); err == nil || !strings.Contains(err.Error(), "bench.log:5:") {
		t.Errorf("malformed log: %v", err)
	}
}

// FuzzReadLog: any log gives rows or an error, never a panic; a log that
// reads renders a table that parses back with every row.
func FuzzReadLog(f *testing.F) {
	f.Add(logA)
	f.Add(logB)
	f.Add("BENCHLOG date=2026-12-04T19:40Z | commit=x | machine=y\nBENCHROW path=a | what=\\| | scrim=| | baseline=b | ratio=1x | load=1->2\n")
	f.Fuzz(func(t *testing.T, s string) {
		lg, err := ReadLog(strings.NewReader(s), "fuzz.log")
		if err != nil {
			return
		}
		block := Render(lg, nil)
		rows, err := ParseTable(block)
		if err != nil {
			t.Fatalf("rendered table does not parse: %v\n%s", err, block)
		}
		if len(rows) != len(lg.Rows) {
			t.Fatalf("%d rows rendered, %d parsed back:\n%s", len(lg.Rows), len(rows), block)
		}
		if again := Render(lg, rows); again != block {
			t.Fatalf("not idempotent:\n%s\n---\n%s", block, again)
		}
	})
}

func TestOneRowIsARow(t *testing.T) {
	one := logB[:strings.Index(logB, "    x_test.go:1: BENCHROW path=store/batch-add")]
	out, err := Rewrite(readme, readLog(t, one))
	if err != nil {
		t.Fatal(err)
	}
	if want := "23.5 GiB memory: 1 row from that run."; !strings.Contains(out, want) {
		t.Errorf("missing %q in\n%s", want, out)
	}
}
