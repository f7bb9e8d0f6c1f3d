package export

import (
	"fmt"
	"io"
	"math"

	"scrim/store"
)

// WriteFileRows writes every file row (of one evidence item when evidence
// is not empty) to w in format, byte for byte what NewRowWriter fed by
// EachFileRow writes, but on every core: a pass over the keys alone splits
// the places into chunks, each chunk is read, decoded, joined with its
// media and formatted by one of several workers, and this goroutine writes
// the chunks in key order. stop is asked before each chunk is written; its
// error ends the listing. Memory is bounded by a fixed number of chunks in
// flight. It returns the number of rows written.
func WriteFileRows(st *store.Store, evidence, format string, w io.Writer, stop func() error) (int64, error) {
	return writeFileRows(st, evidence, format, w, stop, 2048)
}

// rowChunk is one chunk of the listing: its places, then their rows.
type rowChunk struct {
	occs []store.Occurrence
	out  []byte
}

func writeFileRows(st *store.Store, evidence, format string, w io.Writer, stop func() error, chunkRows int) (int64, error) {
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
		return 0, fmt.Errorf("unknown format %q (want jsonl or csv)", format)
	}
	signals, err := loadSignalTable(st)
	if err != nil {
		return 0, err
	}
	join, err := newMediaJoin(st, evidence)
	if err != nil {
		return 0, err
	}
	if format == "csv" {
		if _, err := w.Write(csvHeader()); err != nil {
			return 0, err
		}
	}
	workers := listWorkers()
	var rows int64 // one per place
	err = readInOrder(workers,
		func(claim func() (*chunk[rowChunk], error), finish func(*chunk[rowChunk], error)) error {
			return store.EachOccurrenceChunk(st, evidence, chunkRows, workers, claim, func(c *chunk[rowChunk], o store.Occurrence) error {
				c.v.occs = append(c.v.occs, o)
				return nil
			}, finish)
		},
		func(c *rowChunk, readErr error) error { // on a worker: join and format
			err := join(c.occs, func(r *FileRow) error {
				if signals != nil {
					signals.fill(r)
				}
				var err error
				c.out, err = formatRow(c.out, r)
				return err
			})
			if err == nil {
				err = readErr
			}
			return err
		},
		func(c *rowChunk) error { // in key order
			if err := stop(); err != nil {
				return err
			}
			_, err := w.Write(c.out)
			rows += int64(len(c.occs))
			return err
		},
		func(c *rowChunk) { c.occs, c.out = c.occs[:0], c.out[:0] })
	return rows, err
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
