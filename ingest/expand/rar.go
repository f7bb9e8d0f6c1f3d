package expand

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nwaples/rardecode/v2"
)

// rarFormat reads RAR4 and RAR5 archives as one stream.
type rarFormat struct{}

func (rarFormat) Name() string { return "rar" }
func (rarFormat) Probe(h []byte) bool {
	return at(h, 0, "Rar!\x1a\x07\x00") || at(h, 0, "Rar!\x1a\x07\x01\x00")
}

func (rarFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	rr, err := rardecode.NewReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fmt.Errorf("rar: %w", err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if errors.Is(err, rardecode.ErrArchiveEncrypted) || errors.Is(err, rardecode.ErrArchivedFileEncrypted) {
				return fmt.Errorf("rar: %w", ErrEncrypted)
			}
			return fmt.Errorf("rar: %w", err)
		}
		if h.IsDir {
			continue
		}
		m := Member{Name: cleanName(h.Name), Size: h.UnPackedSize, Packed: h.PackedSize, Mtime: h.ModificationTime}
		if h.UnKnownSize {
			m.Size = -1
		}
		if h.Encrypted {
			m.Err = ErrEncrypted
		} else {
			m.Open = func() (io.ReadCloser, error) { return io.NopCloser(rr), nil }
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}
