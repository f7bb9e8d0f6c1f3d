package expand

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bodgit/sevenzip"
)

// sevenZipFormat reads 7z archives. Members are opened in stored order,
// which the reader serves from one decompressor per solid block.
type sevenZipFormat struct{}

func (sevenZipFormat) Name() string        { return "7z" }
func (sevenZipFormat) Probe(h []byte) bool { return at(h, 0, "7z\xbc\xaf\x27\x1c") }

func (sevenZipFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) (err error) {
	defer func() {
		// The reader trusts header counts; a damaged header must cost
		// this file its expansion, not the run.
		if p := recover(); p != nil {
			err = fmt.Errorf("7z: damaged archive: %v", p)
		}
	}()
	zr, err := sevenzip.NewReader(r, size)
	if err != nil {
		var re *sevenzip.ReadError
		if errors.As(err, &re) && re.Encrypted {
			return fmt.Errorf("7z: %w", ErrEncrypted)
		}
		return fmt.Errorf("7z: %w", err)
	}
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.FileInfo().IsDir() {
			continue
		}
		m := Member{Name: cleanName(f.Name), Size: int64(f.UncompressedSize), Packed: -1, Mtime: f.Modified,
			Open: func() (io.ReadCloser, error) {
				rc, err := f.Open()
				if err != nil {
					var re *sevenzip.ReadError
					if errors.As(err, &re) && re.Encrypted {
						return nil, ErrEncrypted
					}
				}
				return rc, err
			}}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}
