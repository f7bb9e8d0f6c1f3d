package expand

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
)

// thumbcacheFormat reads the Windows Vista to 11 Explorer thumbnail caches
// (thumbcache_*.db): a "CMMM" file header, then a chain of "CMMM" cache
// entries, each holding one thumbnail (BMP, JPEG or PNG) stored as is.
// Layout after libyal's "Windows Explorer Thumbnail Cache database format".
type thumbcacheFormat struct{}

func (thumbcacheFormat) Name() string { return "thumbcache" }

func (thumbcacheFormat) Probe(h []byte) bool {
	if !at(h, 0, "CMMM") || len(h) < 24 {
		return false
	}
	_, ok := thumbcacheEntryHeader(binary.LittleEndian.Uint32(h[4:]))
	return ok
}

// thumbcacheEntryHeader is the size of a cache entry's fixed part for a
// format version: Vista (20) adds an extension field, 8 and later (30-32)
// the thumbnail's width and height.
func thumbcacheEntryHeader(version uint32) (int64, bool) {
	switch version {
	case 20, 30, 31, 32:
		return 56, true
	case 21:
		return 48, true
	}
	return 0, false
}

func (thumbcacheFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	le := binary.LittleEndian
	var fh [28]byte
	if size < 24 {
		return fmt.Errorf("thumbcache: %d-byte file is shorter than its header", size)
	}
	if _, err := r.ReadAt(fh[:min(int64(len(fh)), size)], 0); err != nil && err != io.EOF {
		return fmt.Errorf("thumbcache: reading the header: %w", err)
	}
	version := le.Uint32(fh[4:])
	hdrSize, ok := thumbcacheEntryHeader(version)
	if !ok {
		return fmt.Errorf("thumbcache: unknown format version %d", version)
	}
	// libyal puts the first entry's offset at 12; other readers (dissect)
	// find it at 16 after Vista, where libyal has the first free entry. So
	// start at the lower of the two that points at an entry, else right
	// after the header: the free entry comes after the used ones.
	off := int64(-1)
	for _, field := range []int{12, 16} {
		o := int64(le.Uint32(fh[field:]))
		if o >= 24 && o+4 <= size && (off < 0 || o < off) {
			var sig [4]byte
			if _, err := r.ReadAt(sig[:], o); err == nil && string(sig[:]) == "CMMM" {
				off = o
			}
		}
	}
	if off < 0 {
		off = 24
	}
	for off+hdrSize <= size {
		if err := ctx.Err(); err != nil {
			return err
		}
		eh := make([]byte, hdrSize)
		if _, err := r.ReadAt(eh, off); err != nil {
			return fmt.Errorf("thumbcache: reading the entry at offset %d: %w", off, err)
		}
		if !at(eh, 0, "CMMM") {
			if bytes.Count(eh, []byte{0}) == len(eh) {
				return nil // zeroed slack after the last entry
			}
			return fmt.Errorf("thumbcache: no entry signature at offset %d: damaged cache", off)
		}
		entrySize := int64(le.Uint32(eh[4:]))
		hash := le.Uint64(eh[8:])
		fields := 16
		if version == 20 {
			fields = 24 // after the UTF-16 file extension
		}
		idSize := int64(le.Uint32(eh[fields:]))
		padSize := int64(le.Uint32(eh[fields+4:]))
		dataSize := int64(le.Uint32(eh[fields+8:]))
		dataAt := off + hdrSize + idSize + padSize
		if entrySize < hdrSize || off+entrySize > size || dataAt+dataSize > off+entrySize {
			return fmt.Errorf("thumbcache: entry at offset %d: size %d, identifier %d, padding %d, data %d do not fit in the %d-byte file: damaged entry",
				off, entrySize, idSize, padSize, dataSize, size)
		}
		if dataSize > 0 {
			id := make([]byte, idSize&^1)
			if _, err := r.ReadAt(id, off+hdrSize); err != nil {
				return fmt.Errorf("thumbcache: reading the identifier of the entry at offset %d: %w", off, err)
			}
			head := make([]byte, min(dataSize, 8))
			if _, err := r.ReadAt(head, dataAt); err != nil {
				return fmt.Errorf("thumbcache: reading the data of the entry at offset %d: %w", off, err)
			}
			name := fmt.Sprintf("entry-%016x", hash)
			if s := utf16String(id); s != "" {
				name += "-" + s
			}
			m := Member{Name: cleanName(name + thumbnailExt(head)), Size: dataSize, Packed: dataSize, Offset: dataAt}
			sr := io.NewSectionReader(r, dataAt, dataSize)
			m.Open = func() (io.ReadCloser, error) { return io.NopCloser(sr), nil }
			if err := fn(m); err != nil {
				return err
			}
		}
		off += entrySize
	}
	return nil
}

// utf16String decodes little-endian UTF-16 up to its first NUL, shown
// with control characters replaced.
func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	s := []rune(string(utf16.Decode(u)))
	for i, c := range s {
		s[i] = printableRune(c)
	}
	return string(s)
}

// thumbnailExt names a thumbnail's picture type from its first bytes.
func thumbnailExt(head []byte) string {
	switch {
	case at(head, 0, "\xff\xd8\xff"):
		return ".jpg"
	case at(head, 0, "\x89PNG"):
		return ".png"
	case at(head, 0, "BM"):
		return ".bmp"
	}
	return ".bin"
}
