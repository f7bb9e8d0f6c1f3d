package ingest

import (
	"io"

	"scrim/ingest/carve"
	"scrim/ingest/filetype"
)

// hiddenWatch decides, during the one read that hashes a file, whether the
// search for pictures hidden in it (expand.Hidden, which reads the file a
// second time) is worth running: the bytes are teed through carve.Watch,
// which sees any picture Carve could find past offset 0. Files without one,
// nearly all, are read once.
type hiddenWatch struct {
	watched bool // the current file is one the search would read
	watch   carve.Watch
}

// tee returns r watched when the current file (of kind and size) is one
// the hidden-picture search would read again, else r itself.
func (h *hiddenWatch) tee(r io.Reader, in *Ingester, kind filetype.Kind, size int64) io.Reader {
	h.watch.Reset()
	h.watched = kind == filetype.Other && size > 0 && size <= hiddenMax && in.expandLimits() != nil
	if !h.watched {
		return r
	}
	return io.TeeReader(r, &h.watch)
}

// mayHide tells whether the file last read may hide a picture.
func (h *hiddenWatch) mayHide() bool { return h.watched && h.watch.Found() }
