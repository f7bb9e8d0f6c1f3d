package exfat

import (
	"os/exec"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// FuzzOpen treats the fuzz bytes as a volume: Open, then Walk reading every
// file, then Unallocated, within fsystest's time bound.
func FuzzOpen(f *testing.F) {
	if _, err := exec.LookPath("mount.exfat-fuse"); err == nil {
		f.Add(tinyCard(f))
	}
	f.Fuzz(func(t *testing.T, vol []byte) {
		fsystest.Exercise(t, Open, vol)
	})
}
