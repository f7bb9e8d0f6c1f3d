// Package procs sets how many goroutines a Scrim process runs at once
// during an ingest, the same way for the command line and the workstation.
package procs

import (
	"os"
	"runtime"
)

// ForIngest gives the Go scheduler one processor more than it would use
// (one per CPU), unless the user chose (GOMAXPROCS), and returns what puts
// the default back. An ingest's threads stop in the kernel where the
// scheduler cannot see them, faulting in pages of the case's mapped files
// or returning from a system call to find their processor handed on; with
// a processor to spare another goroutine runs meanwhile. The ingest's
// workers follow (ingest.Options.Workers). 1 M small files, warm,
// 2026-12-07, two series alternating with the default (9 and 5 runs
// against 6 and 5): medians 18.8 and 18.1 s against 19.9 and 19.5 s, the
// same CPU time and peak RSS. A process runs one ingest at a time, so
// nothing else changes the setting meanwhile.
func ForIngest() (restore func()) {
	if os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	return runtime.SetDefaultGOMAXPROCS
}
