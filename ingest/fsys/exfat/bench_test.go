package exfat

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// BenchmarkReadAll reads every file of a 160 MiB exFAT card holding
// 8 directories of 100-400 KiB files (about 120 MB, written through
// exfat-fuse) and reports MB/s beside `cat` of the image.
func BenchmarkReadAll(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	for d := range 8 {
		sub := filepath.Join(src, "DIR"+strconv.Itoa(d), "sub folder")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range 50 {
			size := 100<<10 + (i*37%300)<<10 // 100-400 KiB, like photos
			if err := os.WriteFile(filepath.Join(sub, "IMG_"+strconv.Itoa(i)+" long name.jpg"), randBytes(size, int64(d*100+i)), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Setenv("EXFAT_CARD_SIZE", "160M")
	b.Setenv("EXFAT_CARD_DELETE", "0")
	img, _ := cardFrom(b, src, "")
	v := fsystest.OpenImage(b, img, Probe, Open)
	fsystest.BenchReadAll(b, "exfat", v, img)
}
