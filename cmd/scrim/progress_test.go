package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"scrim/ingest"
)

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start.Add(10 * time.Second)
	counting := progressLine("ingest EX1", ingest.Progress{FilesDone: 50, BytesDone: 20e6, FilesTotal: 1024, Started: start}, now)
	if !strings.Contains(counting, "50/1024+ files") || !strings.Contains(counting, "5 files/s") || !strings.Contains(counting, "2.0 MB/s") || !strings.Contains(counting, "ETA --:--") {
		t.Fatalf("while counting: %q", counting)
	}
	known := progressLine("ingest EX1", ingest.Progress{FilesDone: 100, BytesDone: 25e6, FilesTotal: 400, BytesTotal: 100e6, TotalKnown: true, Started: start}, now)
	if !strings.Contains(known, "[=====               ]") || !strings.Contains(known, "ETA 0:30") {
		t.Fatalf("with totals: %q", known)
	}
	// One 100 MB archive of 20 files, hashed, and a quarter of its
	// expansion read: the bar and ETA move with the members.
	inside := progressLine("ingest EX1", ingest.Progress{FilesDone: 0, BytesDone: 100e6, FilesTotal: 20, BytesTotal: 1000e6,
		TotalKnown: true, Started: start, MembersDone: 5000, ExpandDone: 25e6, ExpandTotal: 100e6}, now)
	if !strings.Contains(inside, "0/20 files + 5000 members") || !strings.Contains(inside, "500 files/s") || !strings.Contains(inside, "[==  ") || !strings.Contains(inside, "ETA 1:18") {
		t.Fatalf("inside an archive: %q", inside)
	}
	if got := formatETA(2*time.Hour + 3*time.Minute + 4*time.Second); got != "2:03:04" {
		t.Fatalf("formatETA %q", got)
	}
}

func TestInterspersedFlags(t *testing.T) {
	fs := newFlagSet("ingest", "", new(strings.Builder))
	c := fs.String("case", "", "")
	pos, err := parseInterspersed(fs, []string{"/ev/a", "--case", "x", "/ev/b", "--", "--odd-name"})
	if err != nil || *c != "x" || strings.Join(pos, " ") != "/ev/a /ev/b --odd-name" {
		t.Fatalf("pos %v case %q err %v", pos, *c, err)
	}
}

// TestNoBarOnDevNull: /dev/null is a character device but not a terminal,
// so no progress bar is drawn there (scripts redirect stderr to it).
func TestNoBarOnDevNull(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("isTerminal(/dev/null) = true")
	}
	if isTerminal(os.NewFile(^uintptr(0), "closed")) {
		t.Error("isTerminal(invalid file) = true")
	}
}
