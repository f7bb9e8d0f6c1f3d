package export

import (
	"errors"
	"runtime"
)

// chunk is one chunk of a listing read by readInOrder: its value, the
// error that ended it and a signal that it is complete.
type chunk[V any] struct {
	v    V
	err  error
	done chan struct{}
}

// chunkScan runs a store chunk scan (store.ScanChunks and the Each*Chunk
// functions) with the given claim and finish.
type chunkScan[V any] func(claim func() (*chunk[V], error), finish func(*chunk[V], error)) error

// readInOrder runs scan on several workers and hands its chunks to use on
// the calling goroutine in key order, with a fixed number of chunks in
// flight: memory stays bounded whatever the size of the case. complete
// runs on the worker once a chunk is read, with the read's error (nil when
// the whole chunk was read), and returns the chunk's error; reset empties a
// chunk for reuse. use sees a chunk with an error too (what was done
// before the error is kept, as a serial listing keeps it): the first
// error, of use or of a chunk in key order, ends the scan and is returned.
func readInOrder[V any](workers int, scan chunkScan[V], complete func(v *V, readErr error) error, use func(v *V) error, reset func(v *V)) error {
	inFlight := 2*workers + 2
	free := make(chan *chunk[V], inFlight)
	for range inFlight {
		free <- &chunk[V]{}
	}
	inOrder := make(chan *chunk[V], inFlight) // never full: only inFlight chunks exist
	quit := make(chan struct{})               // closed at the first error: reading stops
	errQuit := errors.New("listing stopped")
	scanErr := make(chan error, 1)
	go func() {
		defer close(inOrder)
		scanErr <- scan(
			func() (*chunk[V], error) { // called in key order
				select {
				case c := <-free:
					reset(&c.v)
					c.err, c.done = nil, make(chan struct{})
					inOrder <- c
					return c, nil
				case <-quit:
					return nil, errQuit
				}
			},
			func(c *chunk[V], readErr error) {
				defer close(c.done)
				select {
				case <-quit:
					c.err = errQuit // it will not be used
				default:
					c.err = complete(&c.v, readErr)
				}
			})
	}()
	var err error
	for c := range inOrder {
		<-c.done
		if err == nil {
			if err = use(&c.v); err == nil {
				err = c.err
			}
			if err != nil {
				close(quit)
			}
		}
		free <- c
	}
	if serr := <-scanErr; err == nil {
		err = serr
	}
	return err
}

// listWorkers is the number of goroutines that read a listing.
func listWorkers() int { return max(1, runtime.GOMAXPROCS(0)) }
