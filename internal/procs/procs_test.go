package procs

import (
	"runtime"
	"testing"
)

func TestForIngestAddsOneAndRestores(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	restore := ForIngest()
	if got := runtime.GOMAXPROCS(0); got != def+1 {
		t.Fatalf("during an ingest GOMAXPROCS is %d, want %d", got, def+1)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != def {
		t.Fatalf("after an ingest GOMAXPROCS is %d, want the default %d", got, def)
	}
}

func TestForIngestKeepsTheUsersGOMAXPROCS(t *testing.T) {
	t.Setenv("GOMAXPROCS", "1")
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	restore := ForIngest()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Fatalf("with GOMAXPROCS=1 set, an ingest changed it to %d", got)
	}
	restore()
}
