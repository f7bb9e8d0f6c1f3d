// Package large writes the evidence of the large read-path benchmark: a
// folder of TAR archives whose members are small generated pictures, each
// distinct picture appearing several times across the archives. Ingesting
// the folder gives a case of millions of places and unique media without
// millions of host files: Scrim expands every TAR member as an embedded
// occurrence.
package large

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// MaxPerTar is the most members ingest expands from one top-level file.
const MaxPerTar = 1_000_000

// Generate writes occurrences members, showing unique distinct pictures, as
// TAR archives of at most perTar members into dir (created; must be empty).
// The pictures are 16×16 grey PNGs of random gradients and a checker plus
// noise, seeded by their number, so every picture is distinct and their
// perceptual hashes spread. Output is deterministic.
func Generate(dir string, occurrences, unique, perTar int) error {
	if occurrences <= 0 || unique <= 0 || perTar <= 0 || perTar > MaxPerTar {
		return fmt.Errorf("generate %d members of %d pictures, %d per archive: out of range", occurrences, unique, perTar)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err != nil {
		return err
	} else if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	mtime := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for first, n := 0, 0; first < occurrences; first, n = first+perTar, n+1 {
		last := min(first+perTar, occurrences)
		name := filepath.Join(dir, fmt.Sprintf("part%03d.tar", n))
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		tw := tar.NewWriter(bw)
		for i := first; i < last; i++ {
			// Occurrence i shows picture i mod unique: every picture
			// appears occurrences/unique times, spread over the archives.
			pic := i % unique
			buf.Reset()
			if err := enc.Encode(&buf, picture(pic)); err != nil {
				return err
			}
			h := &tar.Header{
				Name:    fmt.Sprintf("d%04d/p%08d.png", i/1000, i),
				Mode:    0o644,
				Size:    int64(buf.Len()),
				ModTime: mtime.Add(time.Duration(i) * time.Second),
				Format:  tar.FormatUSTAR,
			}
			if err := tw.WriteHeader(h); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if _, err := tw.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		if err := tw.Close(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// picture n: a smooth gradient with a random direction and offset (so the
// low frequencies pHash looks at differ) plus a little noise; the number
// itself is written into the first pixels so no two pictures are equal.
func picture(n int) image.Image {
	r := rand.New(rand.NewPCG(uint64(n), 0x5c1e))
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	ax, ay := r.Float64()*2-1, r.Float64()*2-1
	bx, by := r.Float64()*4, r.Float64()*4
	base := r.Float64() * 128
	for y := range 16 {
		for x := range 16 {
			v := base + 60*ax*float64(x)/8 + 60*ay*float64(y)/8 +
				40*float64((int(bx+float64(x)/4)+int(by+float64(y)/4))%2) + float64(r.IntN(24))
			img.SetGray(x, y, color.Gray{Y: uint8(min(255, max(0, v)))})
		}
	}
	for i := range 4 {
		img.Pix[i] = uint8(n >> (8 * i))
	}
	return img
}
