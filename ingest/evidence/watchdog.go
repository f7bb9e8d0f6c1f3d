package evidence

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// readerStallLimit is how long a filesystem reader may work without handing
// over a file before its volume is given up. Readers bound their loops, but a
// crafted structure can still make a third-party parser grind for hours.
const readerStallLimit = 2 * time.Minute

// supervise runs walk (which calls its emit for every entry) so that a
// reader that stops making progress costs its volume, not the ingest: the
// stuck goroutine is abandoned and anything it emits later is dropped. Time
// spent inside emit (the pipeline applying back-pressure) does not count.
func supervise(ctx context.Context, limit time.Duration, emit func(Entry) error, walk func(emit func(Entry) error) error) error {
	var mu sync.Mutex
	abandoned := false
	lastHandOver := time.Now()
	guarded := func(e Entry) error {
		mu.Lock()
		defer mu.Unlock()
		if abandoned {
			return errAbandoned
		}
		err := emit(e)
		lastHandOver = time.Now()
		return err
	}
	done := make(chan error, 1)
	go func() { done <- walk(guarded) }()
	tick := time.NewTicker(min(limit/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			mu.Lock()
			abandoned = true
			mu.Unlock()
			return ctx.Err()
		case <-tick.C:
			mu.Lock()
			stalled := time.Since(lastHandOver) > limit
			if stalled {
				abandoned = true
			}
			mu.Unlock()
			if stalled {
				return fmt.Errorf("filesystem reader made no progress for %v; volume abandoned", limit)
			}
		}
	}
}

var errAbandoned = fmt.Errorf("volume abandoned")
