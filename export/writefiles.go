package export

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"

	"scrim/store"
)

// WriteFileRows writes every file row (of one evidence item when evidence
// is not empty) to w in format, byte for byte what NewRowWriter fed by
// EachFileRow writes, but on every core: a pass over the keys alone splits
// the places into chunks, each chunk is read, decoded, joined with its
// media and formatted by one of several workers, and this goroutine writes
// the chunks in key order. stop is asked before each chunk is written; its
// error ends the listing. Memory is bounded by a fixed number of chunks in
// flight.
func WriteFileRows(st *store.Store, evidence, format string, w io.Writer, stop func() error) error {
	return writeFileRows(st, evidence, format, w, stop, 2048)
}

// rowChunk is one chunk of the listing on its way from a worker to the writer.
type rowChunk struct {
	occs []store.Occurrence
	out  []byte
	err  error         // the chunk's error; out holds the rows before it
	done chan struct{} // closed when out is ready
}

func writeFileRows(st *store.Store, evidence, format string, w io.Writer, stop func() error, chunkRows int) error {
	var formatRow func([]byte, *FileRow) ([]byte, error)
	switch format {
	case "jsonl", "json":
		formatRow = func(b []byte, r *FileRow) ([]byte, error) {
			if math.IsNaN(r.Duration) || math.IsInf(r.Duration, 0) {
				return b, fmt.Errorf("file row %s: duration %v is not a JSON number", r.Path, r.Duration)
			}
			return r.appendJSON(b), nil
		}
	case "csv":
		formatRow = func(b []byte, r *FileRow) ([]byte, error) { return r.appendCSV(b), nil }
	default:
		return fmt.Errorf("unknown format %q (want jsonl or csv)", format)
	}
	signals, err := loadSignalTable(st)
	if err != nil {
		return err
	}
	join, err := newMediaJoin(st, evidence)
	if err != nil {
		return err
	}
	if format == "csv" {
		if _, err := w.Write(csvHeader()); err != nil {
			return err
		}
	}

	workers := max(1, runtime.GOMAXPROCS(0))
	inFlight := 2*workers + 2
	free := make(chan *rowChunk, inFlight)
	for range inFlight {
		free <- &rowChunk{}
	}
	inOrder := make(chan *rowChunk, inFlight) // never full: only inFlight chunks exist
	quit := make(chan struct{})               // closed when writing fails: reading stops
	errQuit := errors.New("listing stopped by its writer")
	readErr := make(chan error, 1)

	go func() {
		defer close(inOrder)
		readErr <- store.EachOccurrenceChunk(st, evidence, chunkRows, workers,
			func() (*rowChunk, error) { // in key order
				select {
				case c := <-free:
					c.occs, c.out, c.err, c.done = c.occs[:0], c.out[:0], nil, make(chan struct{})
					inOrder <- c
					return c, nil
				case <-quit:
					return nil, errQuit
				}
			},
			func(c *rowChunk, o *store.Occurrence) error {
				c.occs = append(c.occs, *o)
				return nil
			},
			func(c *rowChunk, readErr error) {
				defer close(c.done)
				select {
				case <-quit:
					c.err = errQuit // the writer has stopped: the chunk will not be written
					return
				default:
				}
				// The rows read before a read error are written, as the
				// serial listing writes them.
				c.err = join(c.occs, func(r *FileRow) error {
					if signals != nil {
						signals.fill(r)
					}
					var err error
					c.out, err = formatRow(c.out, r)
					return err
				})
				if c.err == nil {
					c.err = readErr
				}
			})
	}()

	var werr error
	for c := range inOrder {
		<-c.done
		if werr == nil {
			if werr = stop(); werr == nil {
				if _, werr = w.Write(c.out); werr == nil {
					werr = c.err
				}
			}
			if werr != nil {
				close(quit)
			}
		}
		free <- c
	}
	rerr := <-readErr
	if werr != nil {
		return werr
	}
	return rerr
}

// csvHeader is the CSV header line, quoted as encoding/csv would.
func csvHeader() []byte {
	var head []byte
	for i, c := range FileColumns {
		if i > 0 {
			head = append(head, ',')
		}
		head = appendCSVField(head, c)
	}
	return append(head, '\n')
}
