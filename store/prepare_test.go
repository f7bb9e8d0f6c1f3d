package store

import (
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
		want := encodeFile(r)
		p := r
		p.Prepare()
		if p.prep == nil {
			t.Fatalf("record %d: not prepared", i)
		}
		got := encodeFile(p)
		if p.prep.key() != OccurrenceKey(r.Occurrence) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("record %d: prepared values\n%q\nwant\n%q", i, got, want)
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

// TestPipelinedBatchWritesWhatASyncBatchWrites adds the same records,
// spanning several transactions (duplicates, places written twice, places
// whose content changed) through a pipelined batch and an ordinary one:
// the answers, every key and value but the counter deltas' and the counts
// must be the same, and agree with a recount.
func TestPipelinedBatchWritesWhatASyncBatchWrites(t *testing.T) {
	var recs []FileRecord
	for i := range 6000 {
		m := media(i%900, "picture")
		path := fmt.Sprintf("/p/%05d.jpg", i)
		r := FileRecord{Occurrence: occ("EX1", path, m), Media: m}
		switch {
		case i%10 == 3 && i > 1500: // the same place again, same content
			p := recs[i-1100]
			r = FileRecord{Occurrence: p.Occurrence, Media: p.Media}
		case i%10 == 7 && i > 1500: // the same place again, new content
			p := recs[i-1300]
			m := media(5000+i, "other")
			o := p.Occurrence
			o.SHA256, o.Size = m.SHA256, m.Size
			r = FileRecord{Occurrence: o, Media: m, PreviousSHA256: p.Occurrence.SHA256}
		}
		if i%2 == 0 {
			r.Prepare()
		}
		recs = append(recs, r)
	}
	write := func(pipelined, fresh bool) (*Store, []bool) {
		st, _ := openTemp(t)
		t.Cleanup(func() { st.Close() })
		if fresh { // as an ingest's first run: places are not read first
			if _, err := st.HasOccurrences("EX1"); err != nil {
				t.Fatal(err)
			}
		}
		b := st.NewBatch()
		if pipelined {
			b.Pipeline()
		}
		var news []bool
		for _, r := range recs {
			isNew, err := b.Add(r)
			if err != nil {
				t.Fatal(err)
			}
			news = append(news, isNew)
		}
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
		return st, news
	}
	for _, fresh := range []bool{false, true} {
		syncSt, syncNews := write(false, fresh)
		pipeSt, pipeNews := write(true, fresh)
		if fmt.Sprint(syncNews) != fmt.Sprint(pipeNews) {
			t.Fatal("new-media answers differ")
		}
		sameCase(t, syncSt, pipeSt)
	}
}

func sameCase(t *testing.T, syncSt, pipeSt *Store) {
	t.Helper()
	dump := func(st *Store) map[string]string {
		out := map[string]string{}
		for _, p := range []string{"m/", "w/", "o/", "np/"} {
			if err := st.Scan(p, func(k, v []byte) error { out[string(k)] = string(v); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	a, b := dump(syncSt), dump(pipeSt)
	if len(a) != len(b) {
		t.Fatalf("%d keys written in order, %d pipelined", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("key %q: %q in order, %q pipelined", printableKey([]byte(k)), v, b[k])
		}
	}
	for _, st := range []*Store{syncSt, pipeSt} {
		if diff, err := st.CounterMismatch(); err != nil || diff != "" {
			t.Fatalf("counters: %q, %v", diff, err)
		}
	}
	s1, err1 := syncSt.Stats()
	s2, err2 := pipeSt.Stats()
	if err1 != nil || err2 != nil || fmt.Sprint(s1) != fmt.Sprint(s2) {
		t.Fatalf("stats differ: %+v (%v) and %+v (%v)", s1, err1, s2, err2)
	}
}
