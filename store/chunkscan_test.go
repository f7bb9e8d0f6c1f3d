package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestScanChunksMatchesScan: whatever the chunk size and the number of
// workers, the chunks of a scan, put back in the order they were claimed,
// are the records Scan gives, each once; a claim error ends the scan with
// that error; a read error ends its chunk only, and finish gets it.
func TestScanChunksMatchesScan(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	b := st.NewBatch()
	for i := range 1000 {
		m := media(i%97, "picture")
		if _, err := b.Add(FileRecord{Occurrence: occ(fmt.Sprintf("EX%d", i%3), fmt.Sprintf("/d%d/f%04d.jpg", i%7, i), m), Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"", "EX1", "nothing"} {
		var want []Occurrence
		if err := st.EachOccurrence(ev, func(o Occurrence) error { want = append(want, o); return nil }); err != nil {
			t.Fatal(err)
		}
		for _, chunkRows := range []int{1, 3, 64, 5000} {
			for _, workers := range []int{1, 2, 5} {
				type part struct {
					occs     []Occurrence
					finished int
					err      error
				}
				var parts []*part // in claim order
				var mu sync.Mutex // finish runs on the workers
				err := EachOccurrenceChunk(st, ev, chunkRows, workers,
					func() (*part, error) { p := &part{}; parts = append(parts, p); return p, nil },
					func(p *part, o Occurrence) error { p.occs = append(p.occs, o); return nil },
					func(p *part, err error) { mu.Lock(); p.finished++; p.err = err; mu.Unlock() })
				if err != nil {
					t.Fatal(err)
				}
				var got []Occurrence
				for _, p := range parts {
					if p.finished != 1 || p.err != nil || len(p.occs) == 0 || len(p.occs) > chunkRows {
						t.Fatalf("%q %d/%d: a chunk of %d finished %d times, err %v", ev, chunkRows, workers, len(p.occs), p.finished, p.err)
					}
					got = append(got, p.occs...)
				}
				if len(got) != len(want) {
					t.Fatalf("%q %d/%d: %d places, want %d", ev, chunkRows, workers, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%q %d/%d: place %d is %+v, want %+v", ev, chunkRows, workers, i, got[i], want[i])
					}
				}
			}
		}
	}

	stop := errors.New("enough")
	claimed := 0
	var mu sync.Mutex
	finished := 0
	err := ScanChunks(st, "w/", 10, 2,
		func() (int, error) {
			if claimed == 5 {
				return 0, stop
			}
			claimed++
			return claimed, nil
		},
		func(int, []byte, []byte) error { return nil },
		func(int, error) { mu.Lock(); finished++; mu.Unlock() })
	if err != stop || finished != 5 {
		t.Fatalf("claim error: %v, %d chunks finished, want 5", err, finished)
	}

	bad := errors.New("bad record")
	errs := map[int]error{}
	seen := map[int]int{}
	n := 0
	err = ScanChunks(st, "w/", 100, 3,
		func() (int, error) { n++; return n, nil },
		func(c int, _, _ []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if seen[c]++; c == 4 && seen[c] == 7 {
				return bad
			}
			return nil
		},
		func(c int, err error) { mu.Lock(); errs[c] = err; mu.Unlock() })
	if err != nil || n != 10 {
		t.Fatalf("read error: scan %v after %d chunks", err, n)
	}
	for c := 1; c <= n; c++ {
		switch {
		case c == 4 && (!errors.Is(errs[c], bad) || seen[c] != 7 || !strings.Contains(errs[c].Error(), "scan w/: at w/")):
			t.Fatalf("chunk 4: %v after %d records", errs[c], seen[c])
		case c != 4 && (errs[c] != nil || seen[c] != 100):
			t.Fatalf("chunk %d: %v after %d records", c, errs[c], seen[c])
		}
	}
}
