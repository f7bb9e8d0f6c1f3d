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
	encoded := newPNGCache(min(unique, cacheMax))
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
			data, ok := encoded.get(pic)
			if !ok {
				buf.Reset()
				if err := enc.Encode(&buf, picture(pic)); err != nil {
					return err
				}
				data = encoded.put(pic, buf.Bytes())
			}
			h := &tar.Header{
				Name:    fmt.Sprintf("d%04d/p%08d.png", i/1000, i),
				Mode:    0o644,
				Size:    int64(len(data)),
				ModTime: mtime.Add(time.Duration(i) * time.Second),
				Format:  tar.FormatUSTAR,
			}
			if err := tw.WriteHeader(h); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if _, err := tw.Write(data); err != nil {
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

// cacheMax is the most encoded pictures Generate keeps (about 350 bytes
// each): every picture appears occurrences/unique times, and encoding it
// again each time cost the 10 M-member evidence hours of CPU.
const cacheMax = 1_000_000

// pngCache keeps the encoded bytes of pictures 0..n-1, packed in one
// arena, as they are first encoded (in order, since occurrence i shows
// picture i mod unique).
type pngCache struct {
	arena []byte
	ends  []int // ends[k]: where picture k's bytes end in arena
	n     int
}

func newPNGCache(n int) *pngCache { return &pngCache{n: n} }

func (c *pngCache) get(pic int) ([]byte, bool) {
	if pic >= len(c.ends) {
		return nil, false
	}
	start := 0
	if pic > 0 {
		start = c.ends[pic-1]
	}
	return c.arena[start:c.ends[pic]], true
}

// put keeps b as picture pic's when pic is the next one the cache can
// hold, and returns the bytes to write either way.
func (c *pngCache) put(pic int, b []byte) []byte {
	if pic != len(c.ends) || pic >= c.n {
		return b
	}
	c.arena = append(c.arena, b...)
	c.ends = append(c.ends, len(c.arena))
	return c.arena[len(c.arena)-len(b):]
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
