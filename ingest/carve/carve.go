// Package carve finds pictures by their signatures in raw bytes, typically
// the unallocated space of a volume, where deleted pictures survive after
// their directory entries are gone. Each format has a small parser that
// walks the picture's own structure to find where it ends; a candidate whose
// structure breaks is dropped, so random bytes that happen to start like a
// JPEG are not reported.
package carve

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// Found is one carved picture.
type Found struct {
	Offset int64  // where it starts, in the reader's coordinates
	Size   int64  // its length in bytes
	Type   string // "jpeg", "png", "gif", "bmp", "webp"
}

// MaxSize bounds a carved file: larger candidates are dropped, so a damaged
// structure cannot make the carver read a whole disk.
const MaxSize = 64 << 20

// format is one carvable picture type: its signature and a parser that
// returns the length of the picture starting at off (0 when it is not one).
type format struct {
	name  string
	magic []byte
	size  func(r *window, off int64) int64
}

// formats are tried at every signature hit; one file and one line each.
var formats = []format{
	{"jpeg", []byte{0xFF, 0xD8, 0xFF}, jpegSize},
	{"png", []byte("\x89PNG\r\n\x1a\n"), pngSize},
	{"gif", []byte("GIF8"), gifSize},
	{"bmp", []byte("BM"), bmpSize},
	{"webp", []byte("RIFF"), webpSize},
}

const blockSize = 4 << 20

// Carve scans r from start for length bytes and calls fn for every picture
// found, in increasing offset order. After a hit the scan resumes behind it.
func Carve(ctx context.Context, r io.ReaderAt, start, length int64, fn func(Found) error) error {
	end := start + length
	w := &window{r: r, limit: end}
	// A small file needs a small buffer: zeroing 4 MiB for each of a
	// million 2 KB files was most of a small-file ingest.
	buf := make([]byte, max(min(length, blockSize), 0))
	carvedTo := start // nothing before this is looked at again
	for pos := start; pos < end; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(int64(len(buf)), end-pos))
		k, err := r.ReadAt(buf[:n], pos)
		if k == 0 && err != nil {
			return fmt.Errorf("carve: read at %d: %w", pos, err)
		}
		next := pos + int64(k)
		at := 0
		hits := newHitCache(buf[:k])
		for {
			hit, hitAt := hits.first(at)
			if hit == nil {
				break
			}
			at = hitAt
			off := pos + int64(at)
			size := hit.size(w, off)
			if size <= 0 || size > MaxSize {
				at++
				continue
			}
			if err := fn(Found{Offset: off, Size: size, Type: hit.name}); err != nil {
				return err
			}
			carvedTo = off + size
			if carvedTo >= next {
				break // the picture ran past this block: resume behind it
			}
			at += int(size)
		}
		// A signature cut by the block end is found again by the next block.
		if next < end && carvedTo < next {
			next = max(next-16, carvedTo, pos+1)
		}
		pos = max(next, carvedTo)
	}
	return nil
}

// hitCache remembers, per format, where its next signature is in a block,
// so each format's signature is searched for once per hit of its own, not
// once per hit of any format (a two-byte "BM" turns up every 64 KiB of
// random data).
type hitCache struct {
	b    []byte
	next []int // per format: index of its next signature, len(b) when none
}

func newHitCache(b []byte) *hitCache {
	h := &hitCache{b: b, next: make([]int, len(formats))}
	for i := range h.next {
		h.next[i] = -1
	}
	return h
}

// first returns the earliest signature at or after from.
func (h *hitCache) first(from int) (*format, int) {
	best, at := (*format)(nil), len(h.b)
	for i := range formats {
		if h.next[i] < from {
			h.next[i] = len(h.b)
			if from <= len(h.b) {
				if j := bytes.Index(h.b[from:], formats[i].magic); j >= 0 {
					h.next[i] = from + j
				}
			}
		}
		if h.next[i] < at {
			best, at = &formats[i], h.next[i]
		}
	}
	return best, at
}

// window reads small pieces for the parsers, never past limit.
type window struct {
	r     io.ReaderAt
	limit int64
	buf   [32]byte
}

// bytes returns n bytes at off, or nil when they cannot be read.
func (w *window) bytes(off int64, n int) []byte {
	if n > len(w.buf) || off < 0 || off+int64(n) > w.limit {
		return nil
	}
	if k, _ := w.r.ReadAt(w.buf[:n], off); k < n {
		return nil
	}
	return w.buf[:n]
}

// CarveAt finds the same pictures Carve would in r's first size bytes,
// trying only the candidate offsets (increasing) where a signature was
// seen, e.g. by a Watch: each candidate costs a walk of its own structure,
// not a read of the whole file.
func CarveAt(ctx context.Context, r io.ReaderAt, size int64, candidates []int64, fn func(Found) error) error {
	w := &window{r: r, limit: size}
	carvedTo := int64(0)
	for _, off := range candidates {
		if err := ctx.Err(); err != nil {
			return err
		}
		if off < carvedTo {
			continue // inside a picture found before, as Carve skips it
		}
		for i := range formats {
			f := &formats[i]
			if m := w.bytes(off, len(f.magic)); m == nil || !bytes.Equal(m, f.magic) {
				continue
			}
			if n := f.size(w, off); n > 0 && n <= MaxSize {
				if err := fn(Found{Offset: off, Size: n, Type: f.name}); err != nil {
					return err
				}
				carvedTo = off + n
			}
			break
		}
	}
	return nil
}
