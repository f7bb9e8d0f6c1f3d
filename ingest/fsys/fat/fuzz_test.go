package fat

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"scrim/ingest/fsys"
)

// tinyImage is a 64 KiB FAT12 image from mkfs.vfat with a directory, a
// long name, and deleted entries: a seed small enough for the fuzzer.
func tinyImage(f *testing.F) []byte {
	dir := f.TempDir()
	img := filepath.Join(dir, "tiny.img")
	runTool(f, "mkfs.vfat", "-C", "-F", "12", "-r", "32", "-s", "1", img, "64")
	src := filepath.Join(dir, "src")
	os.WriteFile(src, randBytes(1500, 7), 0o644)
	runTool(f, "mmd", "-i", img, "::/d")
	runTool(f, "mcopy", "-i", img, src, "::/d/a long name.jpg")
	runTool(f, "mcopy", "-i", img, src, "::/B.TXT")
	runTool(f, "mcopy", "-i", img, src, "::/d/C.JPG")
	runTool(f, "mdel", "-i", img, "::/B.TXT", "::/d/C.JPG")
	b, err := os.ReadFile(img)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzOpenWalk treats the fuzz bytes as a volume: Open, then Walk reading
// every file, then Unallocated, all within a time bound.
func FuzzOpenWalk(f *testing.F) {
	if _, err := exec.LookPath("mcopy"); err == nil {
		f.Add(tinyImage(f))
	}
	f.Fuzz(func(t *testing.T, vol []byte) {
		fs, err := Open(bytes.NewReader(vol), int64(len(vol)))
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		fs.Walk(ctx, func(fl fsys.File) error {
			if fl.Content != nil {
				n, _ := io.Copy(io.Discard, io.NewSectionReader(fl.Content, 0, fl.Size))
				if n > int64(len(vol)) {
					t.Fatalf("%s: read %d bytes from a %d-byte volume", fl.Path, n, len(vol))
				}
			}
			return nil
		})
		fs.Unallocated(ctx, func(o, n int64) error {
			if o < 0 || n <= 0 || o+n > int64(len(vol)) {
				t.Fatalf("unallocated run %d+%d outside the volume", o, n)
			}
			return nil
		})
		if ctx.Err() != nil {
			t.Fatal("Open/Walk/Unallocated did not finish in time")
		}
	})
}
