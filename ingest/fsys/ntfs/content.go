package ntfs

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"www.velocidex.com/golang/go-ntfs/parser"
)

// errReused marks a deleted file whose clusters now belong to another file.
var errReused = errors.New("clusters are allocated to another file now")

// openStream checks the stream's run list against the volume (and, for a
// deleted record, against $Bitmap) and returns a reader limited to size.
func (v *FS) openStream(rec *record, s stream) (io.ReaderAt, error) {
	if s.size == 0 {
		return &stream0{}, nil
	}
	var rr parser.RangeReaderAt
	err := guard("data stream", func() error {
		runs, resident := v.streamRuns(rec, s)
		if !resident {
			if err := v.checkRuns(runs, !rec.inUse); err != nil {
				return err
			}
		}
		var err error
		rr, err = parser.OpenStream(v.ctx, rec.entry, parser.ATTR_TYPE_DATA, s.id, s.name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &content{rr: rr, size: s.size}, nil
}

// streamRuns gathers the run lists of every VCN piece of the stream.
func (v *FS) streamRuns(rec *record, s stream) (runs []*parser.Run, resident bool) {
	for _, a := range rec.entry.EnumerateAttributes(v.ctx) {
		if a.Type().Value != parser.ATTR_TYPE_DATA || a.Name() != s.name {
			continue
		}
		if a.IsResident() {
			if a.Attribute_id() == s.id {
				return nil, true
			}
			continue
		}
		runs = append(runs, a.RunList()...)
	}
	return runs, false
}

// checkRuns refuses runs outside the volume and, for deleted files, runs
// whose clusters $Bitmap now marks in use. Sparse runs (no offset) are
// skipped.
func (v *FS) checkRuns(runs []*parser.Run, deleted bool) error {
	var total int64
	for _, r := range runs {
		if r.Length < 0 || r.Length > v.clusters {
			return fmt.Errorf("run of %d clusters exceeds the volume", r.Length)
		}
		total += r.Length
		if total > 4*v.clusters+16 {
			return fmt.Errorf("run list covers %d clusters, volume has %d", total, v.clusters)
		}
		if r.RelativeUrnOffset == 0 {
			continue // sparse
		}
		if r.Offset < 0 || r.Offset+r.Length > v.clusters {
			return fmt.Errorf("run at cluster %d+%d outside the volume (%d clusters)", r.Offset, r.Length, v.clusters)
		}
		if deleted {
			free, err := v.allFree(r.Offset, r.Length)
			if err != nil {
				return fmt.Errorf("$Bitmap: %w", err)
			}
			if !free {
				return fmt.Errorf("run at cluster %d: %w", r.Offset, errReused)
			}
		}
	}
	return nil
}

// content serves a stream's bytes up to its size; the library's readers
// are not documented as safe for concurrent use, hence the lock.
type content struct {
	mu   sync.Mutex
	rr   io.ReaderAt
	size int64
}

func (c *content) ReadAt(p []byte, off int64) (n int, err error) {
	if off < 0 {
		return 0, errors.New("ntfs: negative offset")
	}
	if off >= c.size {
		return 0, io.EOF
	}
	want := p
	if rest := c.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("ntfs: read at %d: parser panic: %v", off, r)
		}
	}()
	for n < len(want) {
		m, err := c.rr.ReadAt(want[n:], off+int64(n))
		n += m
		if m == 0 || err != nil {
			if n < len(want) {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return n, fmt.Errorf("ntfs: read at %d: %w", off+int64(n), err)
			}
			break
		}
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// stream0 is an empty stream.
type stream0 struct{}

func (stream0) ReadAt([]byte, int64) (int, error) { return 0, io.EOF }
