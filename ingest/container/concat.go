package container

import (
	"fmt"
	"io"
	"sort"
)

// mediaPiece is one stretch of a media made of several files (split segments,
// VMDK extents): nil r reads as zeros.
type mediaPiece struct {
	r    io.ReaderAt
	base int64 // offset of the stretch inside r
	name string
}

// concatReadAt reads p at off from pieces laid end to end; starts[i] is the
// media offset of mediaPiece i and starts[len] the media size. kind names the
// pieces in errors ("split segment", "vmdk extent").
func concatReadAt(p []byte, off int64, starts []int64, kind string, at func(i int) mediaPiece) (int, error) {
	n := len(starts) - 1
	q, eof, err := clampRead(p, off, starts[n])
	if err != nil {
		return 0, err
	}
	// First mediaPiece whose end lies beyond off.
	i := sort.Search(n, func(i int) bool { return starts[i+1] > off })
	done := 0
	for done < len(q) && i < n {
		pos := off + int64(done) - starts[i]
		want := q[done:]
		if rem := starts[i+1] - starts[i] - pos; int64(len(want)) > rem {
			want = want[:rem]
		}
		pc := at(i)
		if pc.r == nil {
			zero(want)
			done += len(want)
			i++
			continue
		}
		k, err := pc.r.ReadAt(want, pc.base+pos)
		done += k
		if k < len(want) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF // the file shrank since it was opened
			}
			return done, fmt.Errorf("%s %s offset %d: %w", kind, pc.name, pc.base+pos+int64(k), err)
		}
		i++
	}
	if eof {
		return done, io.EOF
	}
	return done, nil
}
