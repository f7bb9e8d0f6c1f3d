package store

import "testing"

// TestFreshPlacesCountOnce: on a first run (HasOccurrences found no place)
// places are written without reading them first; a place written twice in
// that run (an archive listing one name twice, in one transaction or in
// two) and places of an item not on its first run still count once, and
// asking HasOccurrences again (a resume) ends the first-run shortcut.
func TestFreshPlacesCountOnce(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	a, b := media(1, "picture"), media(2, "other")
	st.PutEvidence(Evidence{ID: "EX1", Path: "/ev/1"})
	st.PutEvidence(Evidence{ID: "EX2", Path: "/ev/2"})
	addAll(t, st, FileRecord{Occurrence: occ("EX2", "/old", b), Media: b})
	if has, err := st.HasOccurrences("EX1"); err != nil || has {
		t.Fatalf("EX1 has places before its first run: %v %v", has, err)
	}
	if has, err := st.HasOccurrences("EX2"); err != nil || !has {
		t.Fatalf("EX2 has no place: %v %v", has, err)
	}
	addAll(t, st,
		FileRecord{Occurrence: occ("EX1", "/a", a), Media: a},
		FileRecord{Occurrence: occ("EX1", "/a", a)}, // same place, same transaction
		FileRecord{Occurrence: occ("EX2", "/old", b)},
		FileRecord{Occurrence: occ("EX1", "/b", b)},
	)
	addAll(t, st, FileRecord{Occurrence: occ("EX1", "/b", b)}) // same place, next transaction
	s := checkCounters(t, st, "first run with places written twice")
	if s.Counts.Occurrences != 3 || s.Counts.Unique != 2 {
		t.Fatalf("counts %+v: want 3 places of 2 media", s.Counts)
	}
	// A resumed run asks again and must read each place before writing.
	if has, err := st.HasOccurrences("EX1"); err != nil || !has {
		t.Fatalf("EX1 after its run: %v %v", has, err)
	}
	addAll(t, st, FileRecord{Occurrence: occ("EX1", "/a", a)}, FileRecord{Occurrence: occ("EX1", "/b", a), PreviousSHA256: b.SHA256})
	s = checkCounters(t, st, "resumed run")
	if s.Counts.Occurrences != 3 {
		t.Fatalf("counts %+v after resume: want 3 places", s.Counts)
	}
}
