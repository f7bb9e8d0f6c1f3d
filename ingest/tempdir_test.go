package ingest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// A run killed with -9 leaves its video copies behind; the next run removes
// them, and never the directory of a run still alive.
func TestOrphanVideoCopiesRemoved(t *testing.T) {
	root := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(root, videoTempPrefix+strconv.Itoa(dead.Process.Pid)+"-123")
	live := filepath.Join(root, videoTempPrefix+strconv.Itoa(os.Getpid())+"-456")
	other := filepath.Join(root, "scrim-video-notapid")
	for _, d := range []string{orphan, live, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "worker0"), []byte("evidence copy"), 0o600)
	}
	removeOrphanTemps(root)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("the dead run's copies are still there: %v", err)
	}
	for _, d := range []string{live, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
}
