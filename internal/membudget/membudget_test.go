package membudget

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestForIngestTightensAndRestores(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	restore := ForIngest()
	if got := debug.SetGCPercent(ingestGCPercent); got != ingestGCPercent {
		t.Fatalf("during an ingest GOGC is %d, want %d", got, ingestGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("after an ingest GOGC is %d, want the 100 it was", got)
	}
}

func TestForIngestKeepsTheUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "200")
	prev := debug.SetGCPercent(200)
	defer debug.SetGCPercent(prev)

	restore := ForIngest()
	if got := debug.SetGCPercent(200); got != 200 {
		t.Fatalf("with GOGC=200 set, an ingest changed it to %d", got)
	}
	restore()
}

func TestLimitHeap(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prev)

	t.Setenv("GOMEMLIMIT", "2GiB")
	LimitHeap()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set, the limit became %d", got)
	}
	t.Setenv("GOMEMLIMIT", "")
	LimitHeap()
	if got := debug.SetMemoryLimit(-1); got != HeapLimit {
		t.Fatalf("limit %d, want %d", got, HeapLimit)
	}
}
