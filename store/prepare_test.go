package store

import (
	"bytes"
	"fmt"
	"testing"
)

// TestPreparedRecordWritesTheSameEntries: a record encoded ahead by
// Prepare (as ingest workers do) queues exactly the keys and values of
// the same record encoded by Add.
func TestPreparedRecordWritesTheSameEntries(t *testing.T) {
	m := media(1, "picture")
	emb := occ("EX1", "/a.zip", m)
	emb.Embedded, emb.Parent, emb.Member = true, OccurrenceKey(occ("EX1", "/a.zip", m)), "x/<é>.jpg"
	bad := occ("EX1", "/unreadable", nil)
	bad.Error = "read: input/output error"
	recs := []FileRecord{
		{Occurrence: occ("EX1", "/DCIM/1.jpg", m), Media: m, Thumb: []byte("thumb")},
		{Occurrence: occ("EX1", "/DCIM/copy.jpg", m)},
		{Occurrence: emb, Media: media(2, "other")},
		{Occurrence: bad},
		{Occurrence: occ("EX1", "/moved.jpg", m), PreviousSHA256: media(3, "other").SHA256},
	}
	for i, r := range recs {
		want, wantDel, err := fileEntries(r, OccurrenceKey(r.Occurrence))
		if err != nil {
			t.Fatal(err)
		}
		p := r
		p.Prepare()
		if p.prep == nil {
			t.Fatalf("record %d: not prepared", i)
		}
		got, gotDel, err := fileEntries(p, p.prep.key())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || !bytes.Equal(gotDel, wantDel) {
			t.Errorf("record %d: prepared entries\n%q\nwant\n%q", i, got, want)
		}
	}
}

// TestPreparedRecordsCountLikeOthers: a case written from prepared
// records keeps counters that agree with a full recount.
func TestPreparedRecordsCountLikeOthers(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	b := st.NewBatch()
	for i := range 50 {
		m := media(i%7, "picture")
		r := FileRecord{Occurrence: occ("EX1", fmt.Sprintf("/p/%03d.jpg", i), m), Media: m}
		r.Prepare()
		if _, err := b.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if diff, err := st.CounterMismatch(); err != nil || diff != "" {
		t.Fatalf("counters: %q, %v", diff, err)
	}
}
