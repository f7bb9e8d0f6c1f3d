package expand

import (
	"compress/bzip2"
	"compress/gzip"
	"context"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compressed streams hold one member: their decompressed content. Its
// name is empty unless the format stores one (gzip may); the caller names
// it after the container.

type gzipFormat struct{}

func (gzipFormat) Name() string        { return "gzip" }
func (gzipFormat) Probe(h []byte) bool { return at(h, 0, "\x1f\x8b\x08") }
func (gzipFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	zr, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	m := Member{Name: zr.Name, Size: -1, Packed: size, Mtime: zr.ModTime,
		Open: func() (io.ReadCloser, error) { return zr, nil }}
	if m.Name != "" {
		m.Name = cleanName(m.Name)
	}
	return fn(m)
}

type bzip2Format struct{}

func (bzip2Format) Name() string { return "bzip2" }
func (bzip2Format) Probe(h []byte) bool {
	return at(h, 0, "BZh") && len(h) > 3 && h[3] >= '1' && h[3] <= '9' && at(h, 4, "1AY&SY")
}
func (bzip2Format) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	return fn(Member{Size: -1, Packed: size, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bzip2.NewReader(io.NewSectionReader(r, 0, size))), nil
	}})
}

type xzFormat struct{}

func (xzFormat) Name() string        { return "xz" }
func (xzFormat) Probe(h []byte) bool { return at(h, 0, "\xfd7zXZ\x00") }
func (xzFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	return fn(Member{Size: -1, Packed: size, Open: func() (io.ReadCloser, error) {
		// The dictionary cap bounds memory against a header asking for 4 GiB.
		xr, err := xz.ReaderConfig{DictCap: 64 << 20, SingleStream: false}.NewReader(io.NewSectionReader(r, 0, size))
		if err != nil {
			return nil, fmt.Errorf("xz: %w", err)
		}
		return io.NopCloser(xr), nil
	}})
}

type zstdFormat struct{}

func (zstdFormat) Name() string        { return "zstd" }
func (zstdFormat) Probe(h []byte) bool { return at(h, 0, "\x28\xb5\x2f\xfd") }
func (zstdFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	return fn(Member{Size: -1, Packed: size, Open: func() (io.ReadCloser, error) {
		// One goroutine and a 128 MiB window at most: memory stays bounded
		// whatever the frame header asks for.
		zr, err := zstd.NewReader(io.NewSectionReader(r, 0, size), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(128<<20), zstd.WithDecoderMaxMemory(1<<40))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zr.IOReadCloser(), nil
	}})
}

// StreamName names the content of a compressed stream after its container:
// "photos.tar.gz" holds "photos.tar", "photos.tgz" holds "photos.tar".
func StreamName(container string) string {
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst", ".zstd", ".gzip", ".bzip2"} {
		if len(container) > len(ext) && equalFold(container[len(container)-len(ext):], ext) {
			return container[:len(container)-len(ext)]
		}
	}
	for _, ext := range []string{".tgz", ".tbz2", ".tbz", ".txz", ".tzst"} {
		if len(container) > len(ext) && equalFold(container[len(container)-len(ext):], ext) {
			return container[:len(container)-len(ext)] + ".tar"
		}
	}
	return container + ".content"
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
