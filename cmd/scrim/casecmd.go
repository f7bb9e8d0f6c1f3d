package main

import (
	"errors"
	"fmt"
	"os"

	"scrim/store"
)

// openCase opens an existing case, or creates it when create is set, and
// turns the store's errors into sentences.
func openCase(dir string, create, verbose bool) (*store.Store, error) {
	if dir == "" {
		return nil, usageErr("--case CASEDIR is required")
	}
	opt := store.Options{Create: create}
	if verbose {
		opt.Log = os.Stderr
	}
	st, err := store.Open(dir, opt)
	switch {
	case errors.Is(err, store.ErrNoCase):
		return nil, fmt.Errorf("no case at %s (scrim ingest --case %s PATH creates one)", dir, dir)
	case errors.Is(err, store.ErrLocked):
		return nil, fmt.Errorf("case %s is open in another scrim process; wait for it or close it", dir)
	}
	return st, err
}
