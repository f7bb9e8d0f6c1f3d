package main

import (
	"bufio"
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
	if _, err := demo.GenerateJPEGs(filepath.Join(root, "camera"), 240, 2000, 1500, 90, 7); err != nil {
		t.Fatal(err)
	}
	reference := filepath.Join(t.TempDir(), "reference")
	mustScrim(t, "ingest", "--case", reference, "--workers", "1", root)
	want := dumpCase(t, reference)

	for _, killAfter := range []int{2, 5} { // progress lines, about one a second
		caseDir := filepath.Join(t.TempDir(), "killed")
		cmd := exec.Command(scrimBin, "ingest", "--case", caseDir, "--workers", "1", "--progress", "plain", root)
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		lines := 0
		for lines < killAfter && sc.Scan() {
			if strings.Contains(sc.Text(), "files/s") {
				lines++
			}
		}
		if lines < killAfter {
			cmd.Wait()
			t.Fatalf("ingest finished before %d progress lines: make the fixture larger", killAfter)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("ingest was not killed: %v", err)
		}
		s := readStats(t, caseDir) // the killed case opens and counts
		if len(s.Evidence) != 1 || s.Evidence[0].Status != "in progress" {
			t.Fatalf("killed case: %+v", s.Evidence)
		}
		partial := s.Occurrences
		out := mustScrim(t, "ingest", "--case", caseDir, "--workers", "1", root)
		if !strings.Contains(out, "already in case") {
			t.Fatalf("resume summary: %s", out)
		}
		if got := dumpCase(t, caseDir); got != want {
			t.Fatalf("killed after %d s (%d occurrences committed) and resumed: case differs from an uninterrupted run\n%s", killAfter, partial, firstDiff(got, want))
		}
		t.Logf("killed after ~%d s with %d occurrences committed; resumed to an identical case", killAfter, partial)
	}
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
