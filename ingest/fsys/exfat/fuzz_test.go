package exfat

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// FuzzOpen treats the fuzz bytes as a volume: Open, then Walk reading every
// file, then Unallocated, within fsystest's time bound. Seeds: a bare
// 128 KiB volume from mkfs.exfat and, where FUSE works, the tiny card.
func FuzzOpen(f *testing.F) {
	if _, err := exec.LookPath("mkfs.exfat"); err == nil {
		img := filepath.Join(f.TempDir(), "bare.img")
		if err := os.WriteFile(img, make([]byte, 128<<10), 0o644); err != nil {
			f.Fatal(err)
		}
		runTool(f, "mkfs.exfat", "-c", "512", "-b", "4096", img)
		b, err := os.ReadFile(img)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if _, err := exec.LookPath("mount.exfat-fuse"); err == nil {
		f.Add(tinyCard(f))
	}
	f.Fuzz(func(t *testing.T, vol []byte) {
		fsystest.Exercise(t, Open, vol)
	})
}
