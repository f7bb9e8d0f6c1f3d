package demo

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
)

// Sizes of bulk non-picture files, and the ~1 MP bulk pictures.
const (
	bulkMinFile  = 4 << 10
	bulkMaxFile  = 64 << 20
	bulkChunk    = 1 << 20
	bulkPicW     = 1152
	bulkPicH     = 864
	bulkPicQual  = 85
	bulkDirCount = 24
)

// GenerateBulk writes at least totalBytes of mixed content under root (which
// must not exist or be empty) for ingest benchmarks: the given number of
// ~1 MP JPEGs plus incompressible pseudo-random files of 4 KiB…64 MiB
// (log-uniform, so most are small but most bytes are in big ones), spread
// over nested folders. Files are streamed from a 1 MiB buffer, so memory
// stays at a few MiB whatever totalBytes is.
func GenerateBulk(root string, totalBytes int64, pictures int, seed int64) (*Manifest, error) {
	if totalBytes < 0 || pictures < 0 {
		return nil, fmt.Errorf("demo: bad bulk request %d bytes, %d pictures", totalBytes, pictures)
	}
	w, err := newWriter(root)
	if err != nil {
		return nil, err
	}
	r := newRand(seed, streamBulk)
	clk := clock{newRand(seed, streamDates)}
	dirs := bulkDirs(r)
	var written int64
	for i := range pictures {
		img := photo(newRand(seed, streamJPEGs+uint64(i)), i, bulkPicW, bulkPicH)
		data, err := encode(fmtJPEG, img, bulkPicQual)
		if err != nil {
			return nil, fmt.Errorf("bulk picture %d: %w", i, err)
		}
		f := File{Path: fmt.Sprintf("%s/IMG_%05d.jpg", dirs[r.IntN(len(dirs))], i), Type: fmtJPEG, Kind: KindPicture, Scene: -1, Variant: "original"}
		if err := w.write(f, data, clk.any()); err != nil {
			return nil, err
		}
		written += int64(len(data))
	}
	var key [32]byte
	for i := range key {
		key[i] = byte(r.Uint32())
	}
	src := rand.NewChaCha8(key)
	buf := make([]byte, bulkChunk)
	exts := []string{".bin", ".dat", ".pak", ".db", ".tmp", ""}
	for i := 0; written < totalBytes; i++ {
		// The last file is cut short so the total overshoots by at most 4 KiB.
		size := min(logUniform(r, bulkMinFile, bulkMaxFile), max(totalBytes-written, bulkMinFile))
		f := File{Path: fmt.Sprintf("%s/blob_%05d%s", dirs[r.IntN(len(dirs))], i, exts[r.IntN(len(exts))]), Type: "unknown", Kind: KindOther, Scene: -1, Variant: "nonpicture"}
		err := w.stream(f, clk.any(), func(out io.Writer) error {
			for left := size; left > 0; {
				n := min(left, int64(len(buf)))
				src.Read(buf[:n]) // ChaCha8.Read never fails
				if _, err := out.Write(buf[:n]); err != nil {
					return err
				}
				left -= n
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		written += size
	}
	return w.finish()
}

// bulkDirs makes nested folder names two to four levels deep.
func bulkDirs(r *rand.Rand) []string {
	parts := []string{"data", "archive", "projects", "backup", "cache", "media", "old", "misc", "2024", "2025"}
	dirs := make([]string, bulkDirCount)
	for i := range dirs {
		d := fmt.Sprintf("vol%d", i%3)
		for range 1 + r.IntN(3) {
			d += "/" + parts[r.IntN(len(parts))]
		}
		dirs[i] = fmt.Sprintf("%s/d%02d", d, i)
	}
	return dirs
}

// logUniform draws an integer in [lo, hi] whose logarithm is uniform.
func logUniform(r *rand.Rand, lo, hi int64) int64 {
	v := math.Exp(math.Log(float64(lo)) + r.Float64()*(math.Log(float64(hi))-math.Log(float64(lo))))
	return min(max(int64(v), lo), hi)
}
