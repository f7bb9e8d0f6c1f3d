package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillAndResumeInsideZipOnHelpers kills an ingest while three workers
// share the members of one deflated ZIP (with a ZIP inside): the resumed
// run must give the case one worker gives uninterrupted, since the ZIP's
// own record waits for every member, wherever it was hashed.
func TestKillAndResumeInsideZipOnHelpers(t *testing.T) {
	killAndResumeInside(t, "pics.zip", func(src, archive string) {
		zipTool(t, src, "-q", "-r", filepath.Join(src, "cam", "sub.zip"), "sub")
		zipTool(t, src, "-q", "-r", archive, "cam")
	})
}

// TestKillAndResumeInsideTarOnHelpers: the same inside a TAR (with a TAR
// inside), whose members its walker reads from the one stream and lends
// by their bytes to the other workers.
func TestKillAndResumeInsideTarOnHelpers(t *testing.T) {
	killAndResumeInside(t, "pics.tar", func(src, archive string) {
		tarTool(t, src, "-cf", filepath.Join(src, "cam", "sub.tar"), "sub")
		tarTool(t, src, "-cf", archive, "cam")
	})
}

// killAndResumeInside makes the evidence folder holding archive (made by
// pack from src/cam, with src/sub packed inside it) and kills three-worker
// ingests of it until one dies inside the expansion; the resumed run must
// give the case one uninterrupted worker gives.
func killAndResumeInside(t *testing.T, archive string, pack func(src, archive string)) {
	if testing.Short() {
		t.Skip("slow: real child processes")
	}
	work := t.TempDir()
	src := filepath.Join(work, "src") // pack writes the inner archive into src/cam
	pics := sharedKillPictures(t)
	linkPictures(t, filepath.Join(pics, "cam"), filepath.Join(src, "cam"), -1)
	linkPictures(t, filepath.Join(pics, "sub"), filepath.Join(src, "sub"), -1)
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	pack(src, filepath.Join(ev, archive))
	const total = 1 + 201 + 20 // the archive, its members, the inner archive's
	reference := filepath.Join(work, "reference")
	mustScrim(t, "ingest", "--case", reference, "--workers", "1", ev)
	want := dumpCase(t, reference)
	if n := readStats(t, reference).Occurrences; n != total {
		t.Fatalf("reference has %d places, want %d", n, total)
	}

	caseDir, partial := killInsideExpansion(t, filepath.Join(work, "killed"), ev, 3, total)
	mustScrim(t, "ingest", "--case", caseDir, "--workers", "3", ev)
	if got := dumpCase(t, caseDir); got != want {
		t.Fatalf("killed with %d places committed and resumed: case differs\n%s", partial, firstDiff(got, want))
	}
	checkCounters(t, caseDir)
	t.Logf("killed with %d of %d places committed; resumed to the case of one uninterrupted worker", partial, total)
}

// killInsideExpansion kills ingests of ev by workers into new cases under
// dir until one dies with some but not all of its total places committed,
// and returns that case. The moment to kill depends on the machine's load:
// start at 1.5 s into the expansion, then halve the window between a kill
// too early (nothing committed) and one too late (all committed).
func killInsideExpansion(t *testing.T, dir, ev string, workers int, total int64) (string, int64) {
	t.Helper()
	var early, late time.Duration // 0: not seen yet
	wait := 1500 * time.Millisecond
	for attempt := range 8 {
		caseDir := filepath.Join(dir, string(rune('a'+attempt)))
		partial := killDuringExpansion(t, caseDir, ev, workers, wait)
		switch {
		case partial == 0:
			early = wait
		case partial >= total:
			late = wait
		default:
			t.Logf("killed %v into the expansion", wait)
			return caseDir, partial
		}
		switch {
		case late == 0:
			wait *= 2
		case early == 0:
			wait /= 3
		default:
			wait = (early + late) / 2
		}
	}
	t.Fatal("no kill landed inside the expansion")
	return "", 0
}

// tarTool runs GNU tar in dir.
func tarTool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("tar", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tar %v: %v\n%s", args, err, out)
	}
}

// killDuringExpansion starts an ingest by workers, kills it (SIGKILL) wait
// after its first members are counted, and returns the places committed.
func killDuringExpansion(t *testing.T, caseDir, ev string, workers int, wait time.Duration) int64 {
	t.Helper()
	cmd := exec.Command(scrimBin, "ingest", "--case", caseDir, "--workers", strconv.Itoa(workers), "--progress", "plain", "--progress-interval", "50ms", ev)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	expanding := false
	for !expanding && sc.Scan() {
		expanding = strings.Contains(sc.Text(), " 0/1 files + ") // members counted, the archive not done
	}
	go io.Copy(io.Discard, stderr)
	if expanding {
		time.Sleep(wait)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	return readStats(t, caseDir).Occurrences
}
