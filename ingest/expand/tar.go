package expand

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// tarFormat reads ustar, pax and GNU tar archives (phone extractions are
// often one).
type tarFormat struct{}

func (tarFormat) Name() string { return "tar" }

func (tarFormat) Probe(h []byte) bool { return at(h, 257, "ustar") }

func (tarFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	taken := takeoutTarTimes(ctx, r, size)
	backups := tarBackupsOf(ctx, r, size)
	// Buffered: a TAR of small pictures is mostly 512-byte headers and
	// members of a few hundred bytes, each one pread on its own without.
	tr := tar.NewReader(bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 256<<10))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeGNUSparse {
			continue // directories, links, devices hold no content of their own
		}
		m := Member{Name: cleanName(h.Name), Size: h.Size, Packed: h.Size, Mtime: h.ModTime,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }, DevicePath: phoneTreePath(cleanName(h.Name))}
		if t, ok := taken[h.Name]; ok {
			m.Mtime = t
		}
		if backups != nil {
			backups.apply(&m, h.Name)
			m.Note, backups.note = backups.note, ""
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}
