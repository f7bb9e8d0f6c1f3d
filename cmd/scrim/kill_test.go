package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"scrim/testdata/demo"
)

// TestKillAndResume kills a real ingest with SIGKILL at two different
// moments, runs it again, and requires the case to equal the case of an
// uninterrupted run, key for key.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: real child processes")
	}
	root := filepath.Join(t.TempDir(), "evidence")
	if _, err := demo.Generate(filepath.Join(root, "phone"), demo.Options{Seed: 7}); err != nil {
		t.Fatal(err)
	}
	linkPictures(t, filepath.Join(sharedKillPictures(t), "cam"), filepath.Join(root, "camera"), 150)
	reference := filepath.Join(t.TempDir(), "reference")
	mustScrim(t, "ingest", "--case", reference, "--workers", "1", root)
	want := dumpCase(t, reference)

	for _, killAt := range []float64{0.3, 0.8} { // share of the files done
		caseDir := filepath.Join(t.TempDir(), "killed")
		cmd := exec.Command(scrimBin, "ingest", "--case", caseDir, "--workers", "1", "--progress", "plain", "--progress-interval", "50ms", root)
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		reached := false
		var done, total int
		for !reached && sc.Scan() {
			if _, err := fmt.Sscanf(progressCounts(sc.Text()), "%d/%d", &done, &total); err == nil && total > 0 {
				reached = float64(done) >= killAt*float64(total) && strings.Contains(sc.Text(), "[")
			}
		}
		if !reached {
			cmd.Wait()
			t.Fatalf("ingest finished before %.0f %% of the files: make the fixture larger", killAt*100)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("ingest was not killed: %v", err)
		}
		checkCounters(t, caseDir)  // counted in the transactions that committed, no more
		s := readStats(t, caseDir) // the killed case opens and counts
		if len(s.Evidence) != 1 || s.Evidence[0].Status != "in progress" {
			t.Fatalf("killed case: %+v", s.Evidence)
		}
		partial := s.Occurrences
		if killAt > 0.5 && (partial == 0 || partial >= int64(total)) {
			t.Fatalf("killed at %.0f %% with %d of %d occurrences committed: not a mid-ingest kill", killAt*100, partial, total)
		}
		out := mustScrim(t, "ingest", "--case", caseDir, "--workers", "1", root)
		if !strings.Contains(out, "already in case") {
			t.Fatalf("resume summary: %s", out)
		}
		checkCounters(t, caseDir)
		if got := dumpCase(t, caseDir); got != want {
			t.Fatalf("killed at %.0f %% (%d occurrences committed) and resumed: case differs from an uninterrupted run\n%s", killAt*100, partial, firstDiff(got, want))
		}
		t.Logf("killed at %.0f %% of the files with %d occurrences committed; resumed to an identical case", killAt*100, partial)
	}
}

// progressCounts picks "done/total" out of a plain progress line.
func progressCounts(line string) string {
	for _, f := range strings.Fields(line) {
		if strings.Contains(f, "/") && f[0] >= '0' && f[0] <= '9' {
			return strings.TrimSuffix(f, "+")
		}
	}
	return ""
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "got  " + al[i] + "\nwant " + bl[i]
		}
	}
	return "lengths differ"
}

// checkCounters runs `scrim stats --recount`, which fails when the counters
// kept as the case was written differ from a full recount.
func checkCounters(t *testing.T, caseDir string) {
	t.Helper()
	if r := scrim(t, "stats", "--case", caseDir, "--recount"); r.code != 0 {
		t.Fatalf("stats --recount: exit %d\n%s", r.code, r.stderr)
	}
}
