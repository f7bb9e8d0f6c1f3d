package store

import (
	"fmt"
	"testing"
)

// TestBatchReadsWhatIsInFlight: a batch long enough to commit several
// transactions in the background counts exactly what a recount finds, when
// the reads of a transaction need what the one in flight writes: duplicates
// of media first written there, places written there again (as a resume
// does), contents replaced there, with the place-count cache emptied now
// and then so reads go to the transactions instead.
func TestBatchReadsWhatIsInFlight(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	st.PutEvidence(Evidence{ID: "EX1", Path: "/ev/1"})
	b := st.NewBatch()
	const n = 6000 // about five transactions
	sawInFlight := false
	add := func(r FileRecord) {
		t.Helper()
		if _, err := b.Add(r); err != nil {
			t.Fatal(err)
		}
		sawInFlight = sawInFlight || b.sent != nil
	}
	for i := range n {
		m := media(i, "picture")
		add(FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/f%05d", i), m), Media: m})
		if i < 1500 {
			continue
		}
		// A copy of a media written about one transaction earlier, with
		// and without its record.
		old := media(i-1400, "picture")
		r := FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/copy/f%05d", i), old)}
		if i%2 == 0 {
			r.Media = old
		}
		add(r)
		switch i % 5 {
		case 0: // the same place again
			add(FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/f%05d", i-1300), media(i-1300, "picture")), Media: media(i-1300, "picture")})
		case 1: // a place written earlier now holds other content
			add(FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/f%05d", i-1200), media(i, "picture")), PreviousSHA256: media(i-1200, "picture").SHA256})
		}
		if i%97 == 0 && b.cnt != nil {
			b.s.counters.committed.clear() // the batch holds the places lock
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if !sawInFlight {
		t.Fatal("no transaction was ever in flight: the test tests nothing")
	}
	checkCounters(t, st, "after a batch of many transactions")
}
