package export

import "errors"

// readAhead runs produce on its own goroutine, handing its rows to fn in
// batches, so reading the store and decoding (produce) overlaps with
// encoding and writing (fn) on a second core. fn's rows arrive in
// produce's order; fn's error stops produce and is returned. Memory is
// bounded by aheadBatches batches of aheadRows rows.
func readAhead(produce func(emit func(FileRow) error) error, fn func(FileRow) error) error {
	const aheadRows, aheadBatches = 1024, 4
	full := make(chan []FileRow, aheadBatches)
	free := make(chan []FileRow, aheadBatches+1)
	for range aheadBatches + 1 {
		free <- make([]FileRow, 0, aheadRows)
	}
	quit := make(chan struct{}) // closed when fn fails: produce stops
	errQuit := errors.New("listing stopped by its writer")
	done := make(chan error, 1)
	go func() {
		defer close(full)
		batch := <-free
		send := func() error {
			select {
			case full <- batch:
			case <-quit:
				return errQuit
			}
			select {
			case batch = <-free:
				return nil
			case <-quit:
				return errQuit
			}
		}
		err := produce(func(r FileRow) error {
			batch = append(batch, r)
			if len(batch) < aheadRows {
				return nil
			}
			return send()
		})
		if err != errQuit && len(batch) > 0 { // rows read before an error are written, as without readAhead
			if serr := send(); err == nil {
				err = serr
			}
		}
		done <- err
	}()
	var ferr error
	for batch := range full {
		if ferr == nil {
			for _, r := range batch {
				if ferr = fn(r); ferr != nil {
					close(quit)
					break
				}
			}
		}
		free <- batch[:0]
	}
	perr := <-done
	if ferr != nil {
		return ferr
	}
	return perr
}
