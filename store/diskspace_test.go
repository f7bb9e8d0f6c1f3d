package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A commit on a disk with less free space than the case keeps is refused
// with ErrDiskFull, a plain and wrapped error; what was committed before
// stays, nothing of the refused transaction lands, the counters still
// match a recount, and closing does not wait for merges.
func TestCommitRefusedWhenTheDiskIsFull(t *testing.T) {
	st, dir := openTemp(t)
	add := func(b *Batch, from, to int) error {
		for i := from; i < to; i++ {
			m := media(i, "other")
			if _, err := b.Add(FileRecord{Occurrence: occ("ev", fmt.Sprintf("/f%06d", i), m), Media: m}); err != nil {
				return err
			}
		}
		return nil
	}
	b := st.NewBatch()
	if err := add(b, 0, 100); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st, err := Open(dir, Options{MinFree: 1 << 62}) // more than any disk has
	if err != nil {
		t.Fatal(err)
	}
	b = st.NewBatch()
	if err := add(b, 100, 200); err != nil {
		t.Fatal(err)
	}
	err = b.Flush()
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "run the same command again to resume") {
		t.Fatalf("flush on a full disk: %v", err)
	}
	t.Logf("refused: %v", err)
	// A pipelined ingest batch is refused when a full transaction is handed over.
	b = st.NewBatch()
	b.Pipeline()
	if err := add(b, 200, 200+batchMaxKeys); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("pipelined add on a full disk: %v", err)
	}
	start := time.Now()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("closing a case whose disk is full took %v", d)
	}

	st, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 200+batchMaxKeys; i += 37 {
		_, ok, err := st.Media(media(i, "other").SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (i < 100) {
			t.Fatalf("media %d stored: %v", i, ok)
		}
	}
	if msg, err := st.CounterMismatch(); err != nil || msg != "" {
		t.Fatalf("counters after refused commits: %q %v", msg, err)
	}
}
