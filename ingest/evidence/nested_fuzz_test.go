package evidence

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// FuzzOpenNested opens fuzzed bytes as a disk image found inside evidence,
// walks it, and reads each entry back by the name ingest records it under:
// no panic, no hang, errors only; every name parses back to its entry.
// Seeds are a 64 KiB FAT12 image made by mkfs.vfat and mtools, built here.
func FuzzOpenNested(f *testing.F) {
	f.Add(make([]byte, 4096))
	if _, err := exec.LookPath("mcopy"); err == nil {
		dir := f.TempDir()
		img := filepath.Join(dir, "f.img")
		pic := filepath.Join(dir, "a.jpg")
		os.WriteFile(pic, append([]byte("\xFF\xD8\xFF\xE0"), bytes.Repeat([]byte("scrim"), 200)...), 0o644)
		cmd := exec.Command("sh", "-c", `mkfs.vfat -C "$1" 64 >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$2" ::/a.jpg && MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$2" ::/b.jpg && MTOOLS_SKIP_CHECK=1 mdel -i "$1" ::/b.jpg`, "sh", img, pic)
		if err := cmd.Run(); err == nil {
			if b, err := os.ReadFile(img); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		src, err := OpenNested(bytes.NewReader(data), int64(len(data)), "fuzz.img", "", "fuzz.zip", true)
		if err != nil || src == nil {
			return
		}
		defer src.Close()
		var names []string
		buf := make([]byte, 4096)
		src.Walk(ctx, func(e Entry) error {
			name := NestedMember(e)
			np, ok := parseNestedMember(name)
			if !ok || np.path != e.Path || np.deleted != e.Deleted || np.carved != e.Carved || (e.Deleted && np.inode != e.Inode) {
				t.Fatalf("%q does not name %+v back: %+v", name, e, np)
			}
			if e.Open != nil && len(names) < 8 {
				if c, err := e.Open(); err == nil {
					c.ReadAt(buf, 0)
					c.Close()
				}
				names = append(names, name)
			}
			return nil
		})
		for _, n := range names {
			// Damage is an error, which is all that is asked here.
			if r, size, err := readNested(ctx, src, n); err == nil {
				r.ReadAt(buf[:min(size, int64(len(buf)))], 0)
			}
		}
	})
}
