package ingest

import (
	"io"
	"slices"

	"scrim/ingest/carve"
	"scrim/ingest/expand"
	"scrim/ingest/filetype"
)

// hiddenWatch finds, during the one read that hashes a file, where
// pictures may hide in it: the bytes are teed through carve.Watch, which
// sees every signature Carve could take for a picture. Only
// those offsets are then tried (expand.HiddenAt), instead of reading the
// whole file a second time (expand.Hidden); files without one, nearly all,
// cost no search at all.
type hiddenWatch struct {
	watched bool // the current file is one the search would read
	watch   carve.Watch
}

// tee returns r watched when the current file (of kind and size, whose
// head shows container format, nil for none) is one the hidden-picture
// search would read, else r itself: a container is walked by its own
// format instead.
func (h *hiddenWatch) tee(r io.Reader, in *Ingester, kind filetype.Kind, size int64, format expand.Format) io.Reader {
	h.watch.Reset()
	h.watched = kind == filetype.Other && size > 0 && size <= hiddenMax && in.expandLimits() != nil &&
		format == nil
	if !h.watched {
		return r
	}
	return io.TeeReader(r, &h.watch)
}

// mayHide tells whether the file last read may hide a picture.
func (h *hiddenWatch) mayHide() bool { return h.watched && h.watch.Found() }

// format searches the file last read at the offsets seen (a copy: members
// read meanwhile reuse the watch), or whole when there were too many.
func (h *hiddenWatch) format() expand.Format {
	if h.watch.Overflow() {
		return nil
	}
	return expand.HiddenAt(slices.Clone(h.watch.Candidates()))
}
