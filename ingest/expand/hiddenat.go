package expand

import (
	"context"
	"fmt"
	"io"

	"scrim/ingest/carve"
)

// HiddenAt walks the same pictures as Hidden, named the same, trying only
// the offsets where a carve.Watch saw a picture may start while the file
// was hashed, so the file is not read a second time. It is a Format for
// WalkNamed, never in the probe list.
type HiddenAt []int64

func (HiddenAt) Name() string        { return "hidden pictures" }
func (HiddenAt) Probe(h []byte) bool { return false }

func (c HiddenAt) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	return carve.CarveAt(ctx, r, size, c, func(f carve.Found) error {
		return fn(Member{Name: fmt.Sprintf("carved@%d.%s", f.Offset, f.Type), Size: f.Size, Packed: f.Size, Offset: f.Offset,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(r, f.Offset, f.Size)), nil }})
	})
}
