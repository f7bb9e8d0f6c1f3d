package export

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"scrim/store"
)

// WriteFileRows writes every file row (of one evidence item when evidence
// is not empty) to w in format, byte for byte what NewRowWriter fed by
// EachFileRow writes, but on every core: one goroutine reads and joins rows
// in batches, formatters turn whole batches into bytes in parallel, and
// this goroutine writes the batches in reading order. stop is asked before
// each batch is written; its error ends the listing. Memory is bounded by
// a fixed number of batches in flight.
func WriteFileRows(st *store.Store, evidence, format string, w io.Writer, stop func() error) error {
	return writeFileRows(st, evidence, format, w, stop, 1024)
}

func writeFileRows(st *store.Store, evidence, format string, w io.Writer, stop func() error, batchRows int) error {
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
	if format == "csv" {
		if _, err := w.Write(csvHeader()); err != nil {
			return err
		}
	}

	workers := max(1, runtime.GOMAXPROCS(0))
	inFlight := 2*workers + 2
	type batch struct {
		rows []FileRow
		out  []byte
		err  error         // the formatting error; out holds the rows before it
		done chan struct{} // closed when out is ready
	}
	free := make(chan *batch, inFlight)
	for range inFlight {
		free <- &batch{rows: make([]FileRow, 0, batchRows)}
	}
	toFormat := make(chan *batch)
	inOrder := make(chan *batch, inFlight)
	quit := make(chan struct{}) // closed when writing fails: reading stops
	errQuit := errors.New("listing stopped by its writer")
	readErr := make(chan error, 1)

	go func() { // the reader
		defer close(inOrder)
		defer close(toFormat)
		var cur *batch
		take := func() error {
			select {
			case cur = <-free:
				cur.rows, cur.out, cur.err, cur.done = cur.rows[:0], cur.out[:0], nil, make(chan struct{})
				return nil
			case <-quit:
				return errQuit
			}
		}
		send := func() error {
			select {
			case inOrder <- cur:
			case <-quit:
				return errQuit
			}
			select {
			case toFormat <- cur:
				return nil
			case <-quit:
				cur.err = errQuit
				close(cur.done) // queued but never formatted: the writer must not wait for it
				return errQuit
			}
		}
		err := take()
		if err == nil {
			err = eachFileRow(st, evidence, func(r FileRow) error {
				cur.rows = append(cur.rows, r)
				if len(cur.rows) < batchRows {
					return nil
				}
				if err := send(); err != nil {
					return err
				}
				return take()
			})
		}
		if err != errQuit && cur != nil && len(cur.rows) > 0 { // rows read before an error are written
			if serr := send(); err == nil {
				err = serr
			}
		}
		readErr <- err
	}()

	var formatters sync.WaitGroup
	for range workers {
		formatters.Go(func() {
			for b := range toFormat {
				for i := range b.rows {
					if signals != nil {
						signals.fill(&b.rows[i])
					}
					if b.out, b.err = formatRow(b.out, &b.rows[i]); b.err != nil {
						break
					}
				}
				close(b.done)
			}
		})
	}

	var werr error
	for b := range inOrder {
		<-b.done
		if werr == nil {
			if werr = stop(); werr == nil {
				if _, werr = w.Write(b.out); werr == nil {
					werr = b.err
				}
			}
			if werr != nil {
				close(quit)
			}
		}
		free <- b
	}
	formatters.Wait()
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
