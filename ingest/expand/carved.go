package expand

import (
	"context"
	"fmt"
	"io"

	"scrim/ingest/carve"
)

// Hidden walks the pictures hidden inside a file of another type (a JPEG
// appended after random bytes, a picture inside a document the readers do
// not open), found by their signatures and structure like carving in
// unallocated space. It is not in the probe list: the caller runs it only
// on files that are not themselves pictures, videos or containers.
func Hidden(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	return carve.Carve(ctx, r, 0, size, func(f carve.Found) error {
		return fn(Member{Name: fmt.Sprintf("carved@%d.%s", f.Offset, f.Type), Size: f.Size, Packed: f.Size, Offset: f.Offset,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(r, f.Offset, f.Size)), nil }})
	})
}
