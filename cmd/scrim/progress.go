package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"scrim/ingest"
)

// startProgress shows progress on stderr until the returned stop is called.
// auto: a bar redrawn in place when stderr is a terminal, nothing otherwise
// (logs stay quiet); plain: one line a second, for logs and scripts.
func startProgress(mode string, every time.Duration, w io.Writer, label string, snap func() ingest.Progress) (stop func()) {
	switch mode {
	case "auto":
		if !isTerminal(w) {
			return func() {}
		}
		mode = "bar"
	case "none":
		return func() {}
	case "bar", "plain":
	default:
		fmt.Fprintf(w, "scrim: unknown --progress %q, showing none\n", mode)
		return func() {}
	}
	if every <= 0 {
		every = 200 * time.Millisecond
		if mode == "plain" {
			every = time.Second
		}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if mode == "bar" {
					fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", 100))
				}
				return
			case <-t.C:
				line := progressLine(label, snap(), time.Now())
				if mode == "bar" {
					fmt.Fprintf(w, "\r%-100s", line)
				} else {
					fmt.Fprintln(w, line)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

func progressLine(label string, p ingest.Progress, now time.Time) string {
	el := now.Sub(p.Started).Seconds()
	if el <= 0 {
		el = 1e-9
	}
	fps := float64(p.FilesDone) / el
	mbs := float64(p.BytesDone) / 1e6 / el
	total := fmt.Sprintf("%d", p.FilesTotal)
	eta := "ETA --:--"
	bar := ""
	if frac, known := p.Fraction(); known {
		filled := int(frac * 20)
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", 20-filled) + "] "
		if frac > 0 {
			left := time.Duration(el * (1 - frac) / frac * float64(time.Second))
			eta = "ETA " + formatETA(left)
		}
	} else if p.TotalKnown {
		bar = "[" + strings.Repeat(" ", 20) + "] "
	}
	if !p.TotalKnown {
		total += "+"
	}
	members := ""
	if p.MembersDone > 0 {
		// Members are not in the total: they are known only as their
		// containers are read.
		members = fmt.Sprintf(" + %d members", p.MembersDone)
		fps = float64(p.FilesDone+p.MembersDone) / el
	}
	if p.TotalKnown && p.FilesTotal == 0 && p.FilesDone == 0 {
		// A pass over bytes, not files (verification).
		return fmt.Sprintf("%s %s%s/%s  %.1f MB/s  %s", label, bar, humanBytes(p.BytesDone), humanBytes(p.BytesTotal), mbs, eta)
	}
	return fmt.Sprintf("%s %s%d/%s files%s  %.0f files/s  %.1f MB/s  %s", label, bar, p.FilesDone, total, members, fps, mbs, eta)
}

func formatETA(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	// A character device is not enough: /dev/null is one too, and a bar
	// drawn there costs time for nothing. Only a terminal answers TCGETS.
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
