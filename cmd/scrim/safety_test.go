package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"scrim/ingest"
	"scrim/testdata/demo"
)

// scrimEnv runs scrim with extra environment variables.
func scrimEnv(t *testing.T, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(scrimBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runResult{o.String(), e.String(), code}
}

// listTree names every path under root, to prove nothing was created.
func listTree(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(p + "\n")
		return nil
	})
	return b.String()
}

// TestIngestRefusesCaseTouchingEvidence: the case directory and the profile
// store may not be the evidence, lie inside it or hold it, however the
// paths are spelled (relative, through symlinks); the refusal is one line
// naming both paths, and nothing is created.
func TestIngestRefusesCaseTouchingEvidence(t *testing.T) {
	root := t.TempDir()
	ev := filepath.Join(root, "seized")
	if err := os.MkdirAll(filepath.Join(ev, "DCIM"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ev, "DCIM", "notes.txt"), []byte("evidence"), 0o644); err != nil {
		t.Fatal(err)
	}
	image := filepath.Join(root, "cases", "c2", "disk.raw")
	if err := os.MkdirAll(filepath.Dir(image), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(image, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	linkToEv := filepath.Join(root, "link-to-seized")
	if err := os.Symlink(ev, linkToEv); err != nil {
		t.Fatal(err)
	}
	linkToCase := filepath.Join(root, "link-to-cases")
	if err := os.Symlink(filepath.Join(root, "cases"), linkToCase); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		env       []string
		args      []string
		mentioned []string
	}{
		{"case inside evidence", nil, []string{"--case", filepath.Join(ev, "case"), ev}, []string{filepath.Join(ev, "case"), ev}},
		{"case is the evidence", nil, []string{"--case", ev, ev}, []string{ev}},
		{"case deep inside evidence", nil, []string{"--case", filepath.Join(ev, "DCIM", "a", "b"), ev}, []string{filepath.Join(ev, "DCIM", "a", "b"), ev}},
		{"evidence inside case", nil, []string{"--case", root, ev}, []string{root, ev}},
		{"disk image inside case", nil, []string{"--case", filepath.Join(root, "cases", "c2"), image}, []string{image}},
		{"case through a symlink into evidence", nil, []string{"--case", filepath.Join(linkToEv, "case"), ev}, []string{linkToEv}},
		{"evidence through a symlink", nil, []string{"--case", filepath.Join(ev, "case"), linkToEv}, []string{linkToEv}},
		{"image through a symlinked case parent", nil, []string{"--case", filepath.Join(linkToCase, "c2"), image}, []string{image}},
		{"profile store inside evidence", []string{"SCRIM_HOME=" + filepath.Join(ev, "home")}, []string{"--case", filepath.Join(root, "ok-case"), ev}, []string{"profile store", filepath.Join(ev, "home")}},
	} {
		before := listTree(t, root)
		args := append([]string{"ingest", "--progress", "none"}, c.args...)
		r := scrimEnv(t, c.env, args...)
		if r.code == 0 {
			t.Fatalf("%s: scrim %v was accepted\n%s", c.name, args, r.stdout)
		}
		msg := strings.TrimSpace(r.stderr)
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "evidence") {
			t.Errorf("%s: want one line about the evidence, got %q", c.name, msg)
		}
		for _, m := range c.mentioned {
			if !strings.Contains(msg, m) {
				t.Errorf("%s: %q does not name %s", c.name, msg, m)
			}
		}
		if after := listTree(t, root); after != before {
			t.Fatalf("%s: the refused ingest created files:\nbefore\n%safter\n%s", c.name, before, after)
		}
	}
	// A case beside the evidence is fine.
	mustScrim(t, "ingest", "--progress", "none", "--case", filepath.Join(root, "ok-case"), ev)
}

// TestSignalWhileLargeFilesAreHashed interrupts a real scrim ingest with
// SIGINT during the walk of many small pictures, then the resumed run with
// SIGTERM once only files of a few hundred MB are left, mid-hash: each run
// must exit non-zero with the resume hint and leave the evidence
// "interrupted", never "complete"; a third run completes it.
func TestSignalWhileLargeFilesAreHashed(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: a few hundred MB of evidence and real child processes")
	}
	ev := filepath.Join(t.TempDir(), "evidence")
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	const size = 200 << 20
	rng := rand.NewChaCha8([32]byte{42})
	buf := make([]byte, size)
	for _, name := range []string{"video1.bin", "video2.bin"} {
		rng.Read(buf)
		if err := os.WriteFile(filepath.Join(ev, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const small = 300
	if _, err := demo.GenerateJPEGs(filepath.Join(ev, "camera"), small, 320, 240, 85, 5); err != nil {
		t.Fatal(err)
	}
	caseDir := filepath.Join(t.TempDir(), "case")
	for _, step := range []struct {
		sig     syscall.Signal
		minDone int // files done before the signal: 0 during the walk, all small ones for the large files
	}{{syscall.SIGINT, 0}, {syscall.SIGTERM, small}} {
		sig := step.sig
		cmd := exec.Command(scrimBin, "ingest", "--case", caseDir, "--workers", "2", "--progress", "plain", "--progress-interval", "20ms", ev)
		stderrPipe, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderrPipe)
		var tail []string
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			tail = append(tail, line)
			if !signalled && midHash(line, step.minDone) {
				cmd.Process.Signal(sig)
				signalled = true
				t.Logf("%v at %q", sig, line)
			}
		}
		err := cmd.Wait()
		if !signalled {
			t.Fatalf("the ingest ended before any bytes showed in progress: %v\n%s", err, strings.Join(tail, "\n"))
		}
		if cmd.ProcessState.ExitCode() == 0 {
			t.Fatalf("%v mid-hash: scrim exited 0\n%s", sig, strings.Join(tail, "\n"))
		}
		last := tail[len(tail)-1]
		if !strings.Contains(last, "interrupted after") || !strings.Contains(last, "run the same command again") {
			t.Fatalf("%v: last line %q, want the resume hint", sig, last)
		}
		s := readStats(t, caseDir)
		if len(s.Evidence) != 1 || s.Evidence[0].Status != ingest.StatusInterrupted {
			t.Fatalf("after %v mid-hash: evidence %+v, want status %q", sig, s.Evidence, ingest.StatusInterrupted)
		}
		if text := mustScrim(t, "stats", "--case", caseDir); !strings.Contains(text, "interrupted") {
			t.Fatalf("scrim stats does not show the interrupted status:\n%s", text)
		}
	}
	mustScrim(t, "ingest", "--case", caseDir, "--progress", "none", ev)
	s := readStats(t, caseDir)
	if len(s.Evidence) != 1 || s.Evidence[0].Status != ingest.StatusComplete || s.Occurrences != small+2 {
		t.Fatalf("after the resumed run: %d occurrences, evidence %+v", s.Occurrences, s.Evidence)
	}
}

// midHash says a plain progress line shows bytes read while not every file
// is done (at least minDone are): some file is being hashed.
func midHash(line string, minDone int) bool {
	var done, total int
	if n, _ := fmt.Sscanf(progressCounts(line), "%d/%d", &done, &total); n != 2 || done >= total || done < minDone {
		return false
	}
	f := strings.Fields(line)
	for i := 1; i < len(f); i++ {
		if f[i] == "MB/s" {
			mbs, err := strconv.ParseFloat(f[i-1], 64)
			return err == nil && mbs > 0
		}
	}
	return false
}
