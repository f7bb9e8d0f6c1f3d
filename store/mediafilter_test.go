package store

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// TestMediaKnownSeesStoredAndQueued: the media filter never hides a media
// that is in the case (from an earlier session, seeded at first use) or
// written by the batch since, and a batch never writes a media twice.
func TestMediaKnownSeesStoredAndQueued(t *testing.T) {
	st, dir := openTemp(t)
	b := st.NewBatch()
	for i := range 50 {
		m := media(i, "picture")
		if _, err := b.Add(FileRecord{Occurrence: occ("ev", fmt.Sprintf("/a%d", i), m), Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 50 {
		if ok, err := st.MediaKnown(media(i, "picture").SHA256); !ok || err != nil {
			t.Fatalf("media %d stored in an earlier session: MediaKnown = %v, %v", i, ok, err)
		}
	}
	if ok, err := st.MediaKnown(media(1000, "picture").SHA256); ok || err != nil {
		t.Fatalf("media never stored: MediaKnown = %v, %v", ok, err)
	}
	b = st.NewBatch()
	m := media(1000, "picture")
	if isNew, err := b.Add(FileRecord{Occurrence: occ("ev", "/new", m), Media: m}); !isNew || err != nil {
		t.Fatalf("first record of a new media: new = %v, %v", isNew, err)
	}
	// Queued, not committed: the batch still sees it and writes it once.
	if isNew, err := b.Add(FileRecord{Occurrence: occ("ev", "/new-copy", m), Media: m}); isNew || err != nil {
		t.Fatalf("second record of a queued media: new = %v, %v", isNew, err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.MediaKnown(m.SHA256); !ok || err != nil {
		t.Fatalf("media written this session: MediaKnown = %v, %v", ok, err)
	}
	old := media(7, "picture")
	if isNew, err := b.Add(FileRecord{Occurrence: occ("ev", "/old-copy", old), Media: old}); isNew || err != nil {
		t.Fatalf("media of an earlier session: new = %v, %v", isNew, err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
}

// TestMediaFilterGrowsWithoutFalseNegatives: past the first part's
// capacity the filter adds parts, and every media added stays "maybe";
// unseen ones are mostly answered "no".
func TestMediaFilterGrowsWithoutFalseNegatives(t *testing.T) {
	f := &mediaFilter{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	parts := []*bloomPart{newBloomPart(1000)}
	f.parts.Store(&parts)
	f.seed.Do(func() {}) // seeded: nothing to read
	const n = 20000
	for i := range n {
		f.add(fmt.Sprintf("%064x", i))
	}
	if got := len(*f.parts.Load()); got < 4 {
		t.Fatalf("%d parts for %d media past a capacity of 1000", got, n)
	}
	for i := range n {
		if !f.mayHave(nil, fmt.Sprintf("%064x", i)) {
			t.Fatalf("media %d added but filtered out", i)
		}
	}
	fp := 0
	for i := n; i < 2*n; i++ {
		if f.mayHave(nil, fmt.Sprintf("%064x", i)) {
			fp++
		}
	}
	if fp > n/20 {
		t.Fatalf("%d of %d unseen media answered maybe", fp, n)
	}
}

// TestHasOccurrences: an evidence item has places once one is written,
// and an ID that merely starts like another's has none.
func TestHasOccurrences(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	b := st.NewBatch()
	m := media(1, "other")
	if _, err := b.Add(FileRecord{Occurrence: occ("card", "/x", m), Media: m}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"card": false, "card2": false} {
		if got, err := st.HasOccurrences(id); got != want || err != nil {
			t.Fatalf("before commit HasOccurrences(%q) = %v, %v", id, got, err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"card": true, "car": false, "card2": false} {
		if got, err := st.HasOccurrences(id); got != want || err != nil {
			t.Fatalf("HasOccurrences(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
}

// TestBloomPartFalsePositives: a full part answers "maybe" for about 1 %
// of what it never saw, and never "no" for what it holds.
func TestBloomPartFalsePositives(t *testing.T) {
	f := &mediaFilter{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	const n = 200000
	p := newBloomPart(n)
	for i := range n {
		p.add(f.hashes(fmt.Sprintf("%064x", i)))
	}
	for i := range n {
		if !p.has(f.hashes(fmt.Sprintf("%064x", i))) {
			t.Fatalf("element %d added but answered no", i)
		}
	}
	fp := 0
	for i := n; i < 3*n; i++ {
		if p.has(f.hashes(fmt.Sprintf("%064x", i))) {
			fp++
		}
	}
	rate := float64(fp) / (2 * n)
	t.Logf("false positives of a full part: %.3f %%", 100*rate)
	if rate > 0.02 {
		t.Fatalf("%.2f %% false positives, want about 1 %%", 100*rate)
	}
}
