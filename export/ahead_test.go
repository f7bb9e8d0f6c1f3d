package export

import (
	"errors"
	"fmt"
	"testing"
)

// TestReadAhead: rows arrive in order; a writer error stops the reader and
// is returned; a reader error is returned after the rows before it.
func TestReadAhead(t *testing.T) {
	const n = 5000
	produce := func(failAt int) func(emit func(FileRow) error) error {
		return func(emit func(FileRow) error) error {
			for i := range n {
				if i == failAt {
					return errors.New("read failed")
				}
				if err := emit(FileRow{Path: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	var got int
	err := readAhead(produce(-1), func(r FileRow) error {
		if r.Path != fmt.Sprint(got) {
			return fmt.Errorf("row %d is %s", got, r.Path)
		}
		got++
		return nil
	})
	if err != nil || got != n {
		t.Fatalf("%d rows, %v", got, err)
	}
	stop := errors.New("disk full")
	got = 0
	if err := readAhead(produce(-1), func(FileRow) error {
		got++
		if got == 10 {
			return stop
		}
		return nil
	}); err != stop || got != 10 {
		t.Fatalf("writer error: %v after %d rows", err, got)
	}
	got = 0
	if err := readAhead(produce(3000), func(FileRow) error { got++; return nil }); err == nil || err.Error() != "read failed" || got != 3000 {
		t.Fatalf("reader error: %v after %d rows", err, got)
	}
}
