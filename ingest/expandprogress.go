package ingest

import (
	"io"
	"sync/atomic"
)

// expansionReader counts the bytes the expansion of one top-level
// container reads from it into the run's progress, up to the container's
// size: a 500 MB TAR whose members take minutes to analyse then moves the
// bar, where its single file would sit unfinished until the last member.
// Bytes read twice (a ZIP's directory, then its members) can make the count
// run ahead a little; finish tops it up to the size.
type expansionReader struct {
	r     io.ReaderAt
	in    *Ingester
	size  int64
	count atomic.Int64
}

// trackExpansion adds a container of size bytes to the work the bar knows.
func (in *Ingester) trackExpansion(r io.ReaderAt, size int64) *expansionReader {
	in.expandTotal.Add(max(size, 0))
	return &expansionReader{r: r, in: in, size: max(size, 0)}
}

func (e *expansionReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := e.r.ReadAt(p, off)
	e.add(int64(n))
	return n, err
}

func (e *expansionReader) add(n int64) {
	for {
		cur := e.count.Load()
		next := min(cur+n, e.size)
		if next == cur || e.count.CompareAndSwap(cur, next) {
			e.in.expandDone.Add(next - cur)
			return
		}
	}
}

// finish counts the container as wholly expanded.
func (e *expansionReader) finish() { e.add(e.size) }
