package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// placesOf lists the paths OccurrencesOf gives for sha, sorted.
func placesOf(t *testing.T, st *Store, sha string) []string {
	t.Helper()
	occs, err := st.OccurrencesOf(sha)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range occs {
		out = append(out, o.Path)
	}
	slices.Sort(out)
	return out
}

// indexKeys lists the o/ keys of sha.
func indexKeys(t *testing.T, st *Store, sha string) []string {
	t.Helper()
	var out []string
	if err := st.ScanKeys("o/"+sha+"/", func(k []byte) error { out = append(out, string(k)); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// storedFirst reads the first place the media record of sha holds.
func storedFirst(t *testing.T, st *Store, sha string) string {
	t.Helper()
	var first string
	if _, err := st.get(keyMedia(sha), func(v []byte) error {
		var err error
		first, _, err = splitMediaValue(v)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return first
}

// TestFirstPlaceKeptWithItsMedia: a new media's first place is held by its
// media record and has no o/ key; further places have one; re-ingest and
// resume list no place twice; a content change at the first place moves
// it to the new content; the counters agree with a recount throughout.
func TestFirstPlaceKeptWithItsMedia(t *testing.T) {
	st, dir := openTemp(t)
	a, b := media(1, "picture"), media(2, "picture")
	p1, p2 := occ("EX1", "/p1.jpg", a), occ("EX1", "/p2.jpg", a)

	addAll(t, st, FileRecord{Occurrence: p1, Media: a}, FileRecord{Occurrence: p2, Media: a})
	if got := storedFirst(t, st, a.SHA256); got != OccurrenceKey(p1) {
		t.Fatalf("first place %q, want %q", got, OccurrenceKey(p1))
	}
	if keys := indexKeys(t, st, a.SHA256); len(keys) != 1 || keys[0] != string(keyOccIndex(a.SHA256, OccurrenceKey(p2))) {
		t.Fatalf("o/ keys %q: want only the second place's", keys)
	}
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p1.jpg /p2.jpg]" {
		t.Fatalf("places %v", got)
	}
	if m, ok, err := st.Media(a.SHA256); err != nil || !ok || !reflect.DeepEqual(*a, m) {
		t.Fatalf("media read back %+v %v %v, want %+v", m, ok, err, *a)
	}
	checkCounters(t, st, "first ingest")

	// The same places again (a resume, a re-ingest): nothing listed twice.
	addAll(t, st, FileRecord{Occurrence: p1, Media: a}, FileRecord{Occurrence: p2, Media: a})
	if keys := indexKeys(t, st, a.SHA256); len(keys) != 1 {
		t.Fatalf("o/ keys after the same places again: %q", keys)
	}
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p1.jpg /p2.jpg]" {
		t.Fatalf("places after the same places again %v", got)
	}
	checkCounters(t, st, "same places again")

	// The first place now holds b: a keeps its record without the place.
	p1b := occ("EX1", "/p1.jpg", b)
	addAll(t, st, FileRecord{Occurrence: p1b, Media: b, PreviousSHA256: a.SHA256})
	if got := storedFirst(t, st, a.SHA256); got != "" {
		t.Fatalf("a still holds first place %q", got)
	}
	if m, ok, err := st.Media(a.SHA256); err != nil || !ok || !reflect.DeepEqual(*a, m) {
		t.Fatalf("a's record after its first place left: %+v %v %v", m, ok, err)
	}
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p2.jpg]" {
		t.Fatalf("a's places %v", got)
	}
	if got := placesOf(t, st, b.SHA256); fmt.Sprint(got) != "[/p1.jpg]" {
		t.Fatalf("b's places %v", got)
	}
	checkCounters(t, st, "content changed at the first place")

	// And back: a is known, so /p1.jpg gets an o/ key; b loses its first place.
	addAll(t, st, FileRecord{Occurrence: p1, PreviousSHA256: b.SHA256})
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p1.jpg /p2.jpg]" {
		t.Fatalf("a's places after changing back %v", got)
	}
	if got := placesOf(t, st, b.SHA256); len(got) != 0 {
		t.Fatalf("b's places after changing back %v", got)
	}
	if s := checkCounters(t, st, "changed back"); s.Unique != 1 || s.Occurrences != 2 {
		t.Fatalf("counts after changing back %+v", s.Counts)
	}

	// Rebuilt counters count the first places too.
	if err := st.RebuildCounters(); err != nil {
		t.Fatal(err)
	}
	checkCounters(t, st, "rebuilt")
	st.Close()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p1.jpg /p2.jpg]" {
		t.Fatalf("a's places after reopening %v", got)
	}
}

// TestFormat1CaseReadAndWritten: a case written before first places (media
// records alone, an o/ key per place, format 1) lists its places, takes
// more without listing any twice, and is marked format 2 when opened.
func TestFormat1CaseReadAndWritten(t *testing.T) {
	st, dir := openTemp(t)
	a := media(1, "picture")
	p1, p2 := occ("EX1", "/p1.jpg", a), occ("EX1", "/p2.jpg", a)
	mv, err := json.Marshal(a) // format 1 wrote JSON
	if err != nil {
		t.Fatal(err)
	}
	err = st.db.Update(func(txn *badger.Txn) error {
		for _, o := range []Occurrence{p1, p2} {
			ov, err := json.Marshal(o)
			if err != nil {
				return err
			}
			if err := txn.Set(keyWhere(OccurrenceKey(o)), ov); err != nil {
				return err
			}
			if err := txn.Set(keyOccIndex(a.SHA256, OccurrenceKey(o)), nil); err != nil {
				return err
			}
		}
		if err := txn.Set(keyMedia(a.SHA256), mv); err != nil {
			return err
		}
		// Written by hand, so kept by no counter: the case recounts them.
		if err := txn.Delete([]byte("meta/" + countersMeta)); err != nil {
			return err
		}
		return txn.Set([]byte("meta/format"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if v, err := st.Meta("format"); err != nil || v != FormatVersion {
		t.Fatalf("format %q %v after opening a format 1 case", v, err)
	}
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p1.jpg /p2.jpg]" {
		t.Fatalf("places %v", got)
	}
	checkCounters(t, st, "format 1 case")
	p3 := occ("EX1", "/p3.jpg", a)
	addAll(t, st, FileRecord{Occurrence: p1, Media: a}, FileRecord{Occurrence: p3, Media: a})
	if got := placesOf(t, st, a.SHA256); fmt.Sprint(got) != "[/p1.jpg /p2.jpg /p3.jpg]" {
		t.Fatalf("places after more %v", got)
	}
	if storedFirst(t, st, a.SHA256) != "" {
		t.Fatal("a media recorded before first places got one")
	}
	checkCounters(t, st, "format 1 case written")
}

// FuzzMediaValue: any stored media value either splits (and then puts
// back together byte for byte) or is refused; never a panic.
func FuzzMediaValue(f *testing.F) {
	m := encodeMedia(media(1, "picture"))
	j, _ := json.Marshal(media(1, "picture"))
	f.Add(m)
	f.Add(j)
	f.Add(mediaValue("EX1\x00/a.jpg", j))
	f.Add(mediaValue("EX1\x00/a.jpg", m))
	f.Add([]byte{firstPlaceMark})
	f.Add([]byte{firstPlaceMark, 0x80})
	f.Add([]byte{firstPlaceMark, 5, 'a'})
	f.Fuzz(func(t *testing.T, v []byte) {
		first, rest, err := splitMediaValue(v)
		if err != nil {
			return
		}
		if !bytes.Equal(mediaValue(first, rest), v) && !(first == "" && bytes.Equal(rest, v)) {
			t.Fatalf("%q split into %q and %q, which give back %q", v, first, rest, mediaValue(first, rest))
		}
		var got Media
		_ = decodeMedia(v, &got)
	})
}
