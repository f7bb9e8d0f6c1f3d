package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// checkCounters requires the kept counters to equal a full recount.
func checkCounters(t *testing.T, st *Store, when string) Stats {
	t.Helper()
	kept, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	full, err := st.Recount()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", kept) != fmt.Sprintf("%+v", full) {
		t.Fatalf("%s: counters differ from a recount\nkept %+v\nfull %+v", when, kept, full)
	}
	if msg, err := st.CounterMismatch(); err != nil || msg != "" {
		t.Fatalf("%s: mismatch %q %v", when, msg, err)
	}
	// The places the report and the review queue read from the counts
	// equal the places the index lists.
	want, wantReviewed := map[string]string{}, map[string]string{}
	if err := st.eachMediaPlaceCounts(func(sha string, f mediaFacts) error {
		want[sha] = fmt.Sprint(f.Places)
		if reviewed(f.Kind) {
			wantReviewed[sha] = want[sha]
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	if err := st.EachMediaPlaces(func(mp MediaPlaces) error {
		got[mp.Media.SHA256] = fmt.Sprint(mp.ByEvidence)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	summaries := map[string]string{}
	if err := st.EachMediaSummary(func(ms MediaSummary) error {
		summaries[ms.SHA256] = fmt.Sprint(ms.ByEvidence)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(summaries) != fmt.Sprint(wantReviewed) {
		t.Fatalf("%s: places per media\nkept    %v\nsummary %v\nindex   %v", when, got, summaries, want)
	}
	return kept
}

func addAll(t *testing.T, st *Store, recs ...FileRecord) {
	t.Helper()
	b := st.NewBatch()
	for _, r := range recs {
		if _, err := b.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestCountersFollowEveryWrite: counters kept while writing equal a full
// recount after each kind of change ingest makes: new places, duplicates,
// places of every kind, unreadable places, the same place written again
// (resume), a place whose content changed (re-ingest), a member whose
// content changed without the caller knowing the old one, and categories.
func TestCountersFollowEveryWrite(t *testing.T) {
	st, dir := openTemp(t)
	a, b, c, d := media(1, "picture"), media(2, "video"), media(3, "other"), media(4, "picture")
	c.Error = "decode: truncated"
	st.PutEvidence(Evidence{ID: "EX1", Path: "/ev/1"})
	st.PutEvidence(Evidence{ID: "EX2", Path: "/ev/2"})
	arch := occ("EX1", "/x.tar", c)
	member := Occurrence{Evidence: "EX1", Path: "/x.tar » a.jpg", Embedded: true, Parent: OccurrenceKey(arch), Member: "a.jpg", SHA256: a.SHA256, Size: a.Size}
	del := occ("EX1", "/gone.jpg", b)
	del.Deleted = true
	carved := occ("EX2", "/carved", a)
	carved.Carved, carved.Offset = true, 4096
	addAll(t, st,
		FileRecord{Occurrence: occ("EX1", "/a.jpg", a), Media: a},
		FileRecord{Occurrence: occ("EX1", "/copy/a.jpg", a)},
		FileRecord{Occurrence: del, Media: b},
		FileRecord{Occurrence: arch, Media: c},
		FileRecord{Occurrence: member},
		FileRecord{Occurrence: carved},
		FileRecord{Occurrence: Occurrence{Evidence: "EX2", Path: "/unreadable", Error: "permission denied"}},
	)
	s := checkCounters(t, st, "first ingest")
	want := Counts{Occurrences: 7, Unique: 3, Pictures: 1, Videos: 1, Other: 1, Errors: 2,
		Bytes: a.Size*4 + b.Size + c.Size, UniqueBytes: a.Size + b.Size + c.Size, Live: 4, Deleted: 1, Carved: 1, Embedded: 1}
	if s.Counts != want {
		t.Fatalf("case counts\n got %+v\nwant %+v", s.Counts, want)
	}

	// Resume writes places again: nothing may count twice.
	addAll(t, st, FileRecord{Occurrence: occ("EX1", "/a.jpg", a), Media: a}, FileRecord{Occurrence: member})
	checkCounters(t, st, "same places again")

	// Re-ingest: /a.jpg now holds d; the copy became unreadable; the
	// archive member changed without the caller naming its old content.
	m2 := member
	m2.SHA256, m2.Size = d.SHA256, d.Size
	addAll(t, st,
		FileRecord{Occurrence: occ("EX1", "/a.jpg", d), Media: d, PreviousSHA256: a.SHA256},
		FileRecord{Occurrence: Occurrence{Evidence: "EX1", Path: "/copy/a.jpg", Size: 1, Error: "i/o error"}, PreviousSHA256: a.SHA256},
		FileRecord{Occurrence: m2},
	)
	checkCounters(t, st, "re-ingest with changed content")
	// The last place of b in EX1 changes content: b is in no evidence now.
	del2 := del
	del2.SHA256 = d.SHA256
	addAll(t, st, FileRecord{Occurrence: del2, PreviousSHA256: b.SHA256})
	if s := checkCounters(t, st, "media left everywhere"); s.Videos != 0 {
		t.Fatalf("a media no longer found anywhere is still counted: %+v", s.Counts)
	}

	// Categories and their undo change no count.
	st.PutCategory(d.SHA256, Category{Category: "1", Source: "examiner:A", At: time.Now()})
	checkCounters(t, st, "categorized")
	st.DeleteCategory(d.SHA256)
	checkCounters(t, st, "category undone")

	// Committed counters survive a reopen.
	st.Close()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkCounters(t, st, "reopened")
}

// TestUnreviewedMediaFoundOnceKeepNoPlaceCounts: a media that is neither a
// picture nor a video, found at one place only, has no np/ record (format
// 3); its counts and places follow from its media record, and it gets one
// as soon as a second place is found. Each step reopens the case, so its
// facts are read from the store, not the writer's cache.
func TestUnreviewedMediaFoundOnceKeepNoPlaceCounts(t *testing.T) {
	st, dir := openTemp(t)
	reopen := func() {
		t.Helper()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		var err error
		if st, err = Open(dir, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	defer func() { st.Close() }()
	hasCounts := func(m *Media) bool {
		t.Helper()
		found, err := st.get([]byte(placeCounts+m.SHA256), func([]byte) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	doc, doc2, pic := media(1, "other"), media(2, "other"), media(3, "picture")
	addAll(t, st,
		FileRecord{Occurrence: occ("E1", "/doc.pdf", doc), Media: doc},
		FileRecord{Occurrence: occ("E1", "/pic.jpg", pic), Media: pic},
	)
	if hasCounts(doc) || !hasCounts(pic) {
		t.Fatalf("np/ records: document %v, picture %v; want none and one", hasCounts(doc), hasCounts(pic))
	}
	checkCounters(t, st, "one place each")
	reopen()

	// A copy in another item: now it has two places and a record.
	addAll(t, st, FileRecord{Occurrence: occ("E2", "/copy.pdf", doc)})
	if !hasCounts(doc) {
		t.Fatal("a document found twice has no np/ record")
	}
	if s := checkCounters(t, st, "copy in a second item"); s.Unique != 2 || s.Occurrences != 3 {
		t.Fatalf("counts %+v", s.Counts)
	}
	reopen()

	// Re-ingest: the first place of doc2 (found once, no record) changes
	// content, and doc2 is found nowhere any more.
	addAll(t, st, FileRecord{Occurrence: occ("E1", "/new.txt", doc2), Media: doc2})
	reopen()
	addAll(t, st, FileRecord{Occurrence: occ("E1", "/new.txt", pic), PreviousSHA256: doc2.SHA256})
	if s := checkCounters(t, st, "content changed at a document's only place"); s.Unique != 2 || s.Other != 1 {
		t.Fatalf("counts %+v", s.Counts)
	}
	listed := 0
	if err := st.EachMediaPlaces(func(mp MediaPlaces) error {
		if mp.Media.SHA256 == doc2.SHA256 {
			t.Fatalf("a media found nowhere is listed: %+v", mp.ByEvidence)
		}
		listed++
		return nil
	}); err != nil || listed != 2 {
		t.Fatalf("%d media listed, %v", listed, err)
	}
	reopen()

	// Found again at a new place: counted again, from nothing.
	addAll(t, st, FileRecord{Occurrence: occ("E2", "/back.txt", doc2)})
	if s := checkCounters(t, st, "found again"); s.Unique != 3 || s.Other != 2 {
		t.Fatalf("counts %+v", s.Counts)
	}
}

// TestCountersDiscardedWithTheirRecords: a batch dropped before commit (the
// process dies, the disk fills) leaves the counters as they were.
func TestCountersDiscardedWithTheirRecords(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	a := media(1, "picture")
	addAll(t, st, FileRecord{Occurrence: occ("E", "/a", a), Media: a})
	b := st.NewBatch()
	for i := range 50 {
		m := media(10+i, "picture")
		if _, err := b.Add(FileRecord{Occurrence: occ("E", fmt.Sprintf("/%d", i), m), Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	b.Discard()
	if s := checkCounters(t, st, "discarded batch"); s.Occurrences != 1 {
		t.Fatalf("discarded places counted: %+v", s.Counts)
	}
	// The place-count lock is free again: another batch can write.
	addAll(t, st, FileRecord{Occurrence: occ("E", "/b", a)})
	checkCounters(t, st, "after discard")
}

// TestCountersFoldAndSplitTransactions: many transactions leave many deltas,
// which reading folds into the base without changing a count.
func TestCountersFoldAndSplitTransactions(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	for i := range foldAbove + 40 {
		m := media(i%97, "picture")
		addAll(t, st, FileRecord{Occurrence: occ(fmt.Sprintf("E%d", i%3), fmt.Sprintf("/%04d", i), m), Media: m})
	}
	_, deltas, _, err := st.readCounters()
	if err != nil || deltas <= foldAbove {
		t.Fatalf("%d deltas, %v", deltas, err)
	}
	s := checkCounters(t, st, "before fold")
	if _, deltas, _, _ = st.readCounters(); deltas != 0 {
		t.Fatalf("%d deltas left after a read folded them", deltas)
	}
	if s.Occurrences != foldAbove+40 || s.Unique != 97 {
		t.Fatalf("counts %+v", s.Counts)
	}
	checkCounters(t, st, "after fold")
}

// TestCloseFoldsCounters: a process that wrote folds its deltas when it
// closes the case, so the next reader finds none; one that only read
// leaves the case as it was.
func TestCloseFoldsCounters(t *testing.T) {
	st, dir := openTemp(t)
	for i := range 30 {
		m := media(i%11, "picture")
		addAll(t, st, FileRecord{Occurrence: occ("E", fmt.Sprintf("/%04d", i), m), Media: m})
	}
	if _, deltas, _, err := st.readCounters(); err != nil || deltas != 30 {
		t.Fatalf("%d deltas before close, %v", deltas, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, deltas, on, err := st.readCounters(); err != nil || !on || deltas != 0 {
		t.Fatalf("after close: %d deltas, counters on %v, %v", deltas, on, err)
	}
	s := checkCounters(t, st, "after close")
	if s.Occurrences != 30 || s.Unique != 11 {
		t.Fatalf("counts %+v", s.Counts)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOlderCaseGetsCounters: a case written before counters existed has
// none; opening it recounts once and keeps counting from there.
func TestOlderCaseGetsCounters(t *testing.T) {
	st, dir := openTemp(t)
	a, b := media(1, "picture"), media(2, "picture")
	addAll(t, st, FileRecord{Occurrence: occ("E", "/a", a), Media: a}, FileRecord{Occurrence: occ("E", "/b", b), Media: b})
	// Make it look like an older case.
	if err := st.dropPrefixes("np/", "cnt/"); err != nil {
		t.Fatal(err)
	}
	if err := st.db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte("meta/" + countersMeta)) }); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := st.readCounters(); ok {
		t.Fatal("counters still marked")
	}
	st.Close()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, ok, _ := st.readCounters(); !ok {
		t.Fatal("opening an older case kept no counters")
	}
	addAll(t, st, FileRecord{Occurrence: occ("E", "/a2", a)}, FileRecord{Occurrence: occ("E", "/b", a), PreviousSHA256: b.SHA256})
	if s := checkCounters(t, st, "older case, then more ingest"); s.Occurrences != 3 || s.Unique != 1 {
		t.Fatalf("counts %+v", s.Counts)
	}
}

// TestCounterMismatchFoundAndRepaired: counters that disagree with the
// records are reported, and rebuilding them repairs the case.
func TestCounterMismatchFoundAndRepaired(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	a := media(1, "picture")
	addAll(t, st, FileRecord{Occurrence: occ("E", "/a", a), Media: a})
	if err := st.db.Update(func(txn *badger.Txn) error {
		return txn.Set(st.deltaKey(), []byte(`{"":{"occurrences":1},"E":{"unique":2}}`))
	}); err != nil {
		t.Fatal(err)
	}
	msg, err := st.CounterMismatch()
	if err != nil || !strings.Contains(msg, "case: kept") || !strings.Contains(msg, "E: kept") {
		t.Fatalf("mismatch not reported: %q %v", msg, err)
	}
	if err := st.RebuildCounters(); err != nil {
		t.Fatal(err)
	}
	checkCounters(t, st, "rebuilt")
}

func TestPlaceFactsDecodeRejectsDamage(t *testing.T) {
	f := mediaFacts{Kind: "picture", Size: 123, Error: true, NoHash: true, Places: map[string]Places{"EX1": {Live: 3, Deleted: 1, Carved: 2, Embedded: 7}, "EX2": {Embedded: 1}}}
	enc := f.encode()
	got, err := decodeFacts(enc)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(f) {
		t.Fatalf("round trip %+v %v", got, err)
	}
	for i := range len(enc) {
		if _, err := decodeFacts(enc[:i]); err == nil {
			t.Fatalf("truncated to %d bytes decoded", i)
		}
	}
}

// FuzzPlaceFacts: a damaged np/ record is an error, never a panic, and what
// decodes encodes back to the same facts.
func FuzzPlaceFacts(f *testing.F) {
	f.Add(mediaFacts{Kind: "picture", Size: 9, Places: map[string]Places{"E": {Live: 1, Embedded: 2}}}.encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeFacts(b)
		if err != nil {
			return
		}
		again, err := decodeFacts(got.encode())
		if err != nil || fmt.Sprint(again) != fmt.Sprint(got) {
			t.Fatalf("%+v re-encoded as %+v (%v)", got, again, err)
		}
	})
}

// TestCountersWhileReadAndFolded: an ingest batch commits while another
// goroutine reads the counts (folding deltas) and categorizes: no count is
// lost or doubled. Run under -race.
func TestCountersWhileReadAndFolded(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	done := make(chan error)
	go func() {
		b := st.NewBatch()
		for i := range 3000 {
			m := media(i%400, "picture")
			if _, err := b.Add(FileRecord{Occurrence: occ(fmt.Sprintf("E%d", i%2), fmt.Sprintf("/%05d", i), m), Media: m}); err != nil {
				done <- err
				return
			}
			if i%7 == 0 {
				if err := b.Flush(); err != nil {
					done <- err
					return
				}
			}
		}
		done <- b.Flush()
	}()
	reading := true
	for reading {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			reading = false
		default:
			if _, err := st.Stats(); err != nil {
				t.Fatal(err)
			}
			if err := st.foldCounters(); err != nil {
				t.Fatal(err)
			}
			st.PutCategory(media(1, "picture").SHA256, Category{Category: "3", Source: "examiner:x"})
		}
	}
	if s := checkCounters(t, st, "after concurrent reads and folds"); s.Occurrences != 3000 || s.Unique != 400 {
		t.Fatalf("counts %+v", s.Counts)
	}
}
