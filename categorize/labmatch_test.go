package categorize

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"scrim/categorize/neardup"
	"scrim/store"
)

type labNearHit struct {
	rec  int
	sha  string
	dist int
}

// TestLabNearBatchEqualsMatch: MatchBatch (the block join) gives every
// record exactly the hits Match (one index query per record and its
// mirror) gives, on pictures in clusters, mirrored copies, records whose
// own media is in the case, and random records.
func TestLabNearBatchEqualsMatch(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := rand.New(rand.NewPCG(17, 18))
	centres := make([][2]uint64, 25)
	for i := range centres {
		centres[i] = [2]uint64{r.Uint64(), r.Uint64()}
	}
	jitter := func(c [2]uint64) (uint64, uint64) {
		p, d := c[0], c[1]
		for range r.IntN(8) {
			p ^= 1 << r.IntN(64)
		}
		for range r.IntN(10) {
			d ^= 1 << r.IntN(64)
		}
		if r.IntN(4) == 0 {
			p, d = neardup.MirrorVariant(p, d)
		}
		return p, d
	}
	var caseSHAs []string
	b := st.NewBatch()
	for i := range 2000 {
		p, d := jitter(centres[r.IntN(len(centres))])
		if i%3 == 0 {
			p, d = r.Uint64(), r.Uint64()
		}
		sha := fmt.Sprintf("%064x", r.Uint64()^uint64(i))
		caseSHAs = append(caseSHAs, sha)
		if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: fmt.Sprint("/", i), SHA256: sha},
			Media: &store.Media{SHA256: sha, Kind: "picture", Type: "png", PHash: fmt.Sprintf("%016x", p), DHash: fmt.Sprintf("%016x", d)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	vic, _ := SchemeByID("vic-us")
	n, err := NewEngine(st, vic).NearLab()
	if err != nil {
		t.Fatal(err)
	}
	var ps, ds []uint64
	var skip []string
	for i := range 3000 {
		p, d := jitter(centres[r.IntN(len(centres))])
		s := fmt.Sprintf("%064x", i)
		switch i % 4 {
		case 0:
			p, d = r.Uint64(), r.Uint64()
		case 1: // the record's own media is in the case
			s = caseSHAs[r.IntN(len(caseSHAs))]
		}
		ps, ds, skip = append(ps, p), append(ds, d), append(skip, s)
	}
	var want, got []labNearHit
	for i := range ps {
		n.Match(ps[i], ds[i], skip[i], func(sha string, dist int) { want = append(want, labNearHit{i, sha, dist}) })
	}
	for lo := 0; lo < len(ps); lo += 1000 { // in batches, as lab.MatchCase reads them
		hi := lo + 1000
		n.MatchBatch(ps[lo:hi], ds[lo:hi], skip[lo:hi], func(i int, sha string, dist int) { got = append(got, labNearHit{lo + i, sha, dist}) })
	}
	order := func(a, b labNearHit) int {
		if a.rec != b.rec {
			return a.rec - b.rec
		}
		if a.sha < b.sha {
			return -1
		}
		if a.sha > b.sha {
			return 1
		}
		return 0
	}
	slices.SortFunc(want, order)
	slices.SortFunc(got, order)
	if len(want) < 1000 {
		t.Fatalf("only %d hits: the test does not exercise near matching", len(want))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("MatchBatch gives %d hits, Match %d", len(got), len(want))
	}
}
