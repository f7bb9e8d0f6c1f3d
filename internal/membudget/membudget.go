// Package membudget keeps a Scrim process inside the memory it is sized
// for, the same way for the command line and the workstation: an ingest
// runs in either, through the same workflow, and its heap is what grows
// with the evidence.
package membudget

import (
	"os"
	"runtime/debug"
)

// HeapLimit is the Go heap's soft limit, within a 1 GiB process budget.
// The case's mapped files count too: a 10 M-file ingest's merges map up
// to 570 MB of tables between two trims, and with 768 MiB here its
// anonymous memory peaked at 754 MiB, 629 with 640 (live heap 440 MB at
// most), at the same speed.
const HeapLimit = 640 << 20

// ingestGCPercent makes the collector run when the heap has grown by half
// its live size, not by all of it (Go's default): the collector is a
// small part of an ingest, and its slack was a fifth of the resident set.
// 1 M small files, warm, alternating: peak RSS 417-424 -> 302-318 MiB at
// the same speed (23.1-24.6 s, 23.7-24.7 s); with the signals models
// loaded, as after make models, 510 -> 379-394 MiB. At 10 M the heap
// limit binds either way. Reads keep Go's default: `scrim files` on 10 M
// places took 8 % longer for 3 % less memory.
const ingestGCPercent = 50

// LimitHeap sets HeapLimit unless the user chose a limit (GOMEMLIMIT).
// It is for a process's main, before any work starts.
func LimitHeap() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(HeapLimit)
	}
}

// ForIngest tightens the collector for an ingest, unless the user chose
// (GOGC), and returns what puts the previous setting back. A process runs
// one ingest at a time (the case lock, and the workstation's one
// background ingest), so nothing else changes the setting meanwhile.
func ForIngest() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(ingestGCPercent)
	return func() { debug.SetGCPercent(prev) }
}
