package expand

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// ole2Format reads OLE2 compound files (.doc/.xls/.ppt, Thumbs.db, MSG):
// its members are the streams, followed through their sector chains, so a
// picture split over scattered sectors is whole again; the pictures inside
// a stream (a Word Data stream, a Thumbs.db entry after its header) are
// then found in it like in any file of another type.
type ole2Format struct{}

func (ole2Format) Name() string        { return "ole2" }
func (ole2Format) Probe(h []byte) bool { return at(h, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") }

func (ole2Format) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	if err := ole2Check(r, size); err != nil {
		return fmt.Errorf("ole2: %w", err)
	}
	cr, err := mscfb.New(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fmt.Errorf("ole2: %w", err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ole2: %w", err)
		}
		if f.FileInfo().IsDir() || f.Size <= 0 {
			continue // storages hold no bytes of their own
		}
		name := strings.Join(append(append([]string(nil), f.Path...), f.Name), "/")
		m := Member{Name: cleanName(strings.Map(printableRune, name)), Size: f.Size, Packed: f.Size, Mtime: f.Modified()}
		if f.Size > size {
			m.Err = fmt.Errorf("stream of %d bytes in a %d-byte file: damaged directory entry", f.Size, size)
		} else {
			m.Open = func() (io.ReadCloser, error) { return io.NopCloser(io.LimitReader(f, f.Size)), nil }
		}
		if err := fn(m); err != nil {
			return err
		}
	}
}

// printableRune shows the control characters OLE2 puts in stream names
// ("\x05SummaryInformation") as U+FFFD.
func printableRune(r rune) rune {
	if r < 0x20 {
		return '\uFFFD'
	}
	return r
}
