package store

import (
	"encoding/json"
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// Places counts where one media was found, by how it was found.
type Places struct {
	Live, Deleted, Carved int64
	Embedded              int64 // inside another file (archive, stream, hidden)
}

// Total is the number of places.
func (p Places) Total() int64 { return p.Live + p.Deleted + p.Carved + p.Embedded }

// MediaPlaces is one media with its effective category (zero when it has
// none) and its places per evidence item.
type MediaPlaces struct {
	Media      Media
	Category   Category
	ByEvidence map[string]Places
}

// EachMediaPlaces merge-joins m/, np/ and c/ (all ordered by SHA-256) and
// calls fn for every media found somewhere, like Stats does: a media no
// longer found anywhere has neither an np/ record nor a first place and is
// skipped. The places per evidence item come from the counts kept as the
// case was written (counters.go), or for a media without an np/ record
// from the first place its record holds (placecounts.go), so no occurrence
// or index key is read and the pass costs one record per media however
// many places it has.
// The map handed to fn is reused: copy what must outlive the call.
func (s *Store) EachMediaPlaces(fn func(MediaPlaces) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		mi, mp := openPrefix(txn, "m/")
		defer mi.Close()
		ci, cp := openPrefix(txn, "c/")
		defer ci.Close()
		ni, np := openPrefix(txn, placeCounts)
		defer ni.Close()
		for ; mi.ValidForPrefix(mp); mi.Next() {
			sha := string(mi.Item().Key()[len(mp):])
			var rec MediaPlaces
			first, err := readMediaItem(mi.Item(), &rec.Media)
			if err != nil {
				return err
			}
			f, kept, err := joinFacts(ni, np, sha)
			if err != nil {
				return err
			}
			switch {
			case kept:
				rec.ByEvidence = f.Places
			case first != "":
				rec.ByEvidence = placesOfFirst(first)
			default:
				continue // counted like Stats: found nowhere, no media
			}
			if err := joinCategory(ci, cp, sha, &rec.Category); err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// joinFacts advances the np/ iterator to sha and decodes its record when
// there is one.
func joinFacts(ni *badger.Iterator, np []byte, sha string) (mediaFacts, bool, error) {
	for ; ni.ValidForPrefix(np); ni.Next() {
		nsha := string(ni.Item().Key()[len(np):])
		if nsha > sha {
			break
		}
		if nsha == sha {
			f, err := itemFacts(ni.Item())
			if err != nil {
				return f, false, fmt.Errorf("places of %s: %w", sha, err)
			}
			return f, true, nil
		}
	}
	return mediaFacts{}, false, nil
}

// MediaSummary is what the review queue needs of a media found somewhere,
// read without its media record.
type MediaSummary struct {
	SHA256     string
	Kind       string // picture, video, other
	Error      bool   // could not be decoded
	NoHash     bool   // a picture without a perceptual hash
	Category   Category
	ByEvidence map[string]Places
}

// EachMediaSummary calls fn for every picture and video found somewhere, in
// SHA-256 order, from the place counts and categories alone: two records
// per media. Other media are left out: some have no np/ record
// (placecounts.go), and the review queue this is for shows none.
// The map handed to fn is reused: copy what must outlive the call.
func (s *Store) EachMediaSummary(fn func(MediaSummary) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		ci, cp := openPrefix(txn, "c/")
		defer ci.Close()
		ni, np := openPrefix(txn, placeCounts)
		defer ni.Close()
		places := map[string]Places{}
		// One category decoded into again and again: decoding into the
		// record's own field sent every record to the heap (a million
		// media: 110 MB more to allocate, each new page a fault).
		cat := new(Category)
		for ; ni.ValidForPrefix(np); ni.Next() {
			rec := MediaSummary{SHA256: string(ni.Item().Key()[len(np):])}
			var f mediaFacts
			err := ni.Item().Value(func(v []byte) error {
				var err error
				f, err = decodeFactsInto(v, places)
				return err
			})
			if err != nil {
				return fmt.Errorf("places of %s: %w", rec.SHA256, err)
			}
			if !reviewed(f.Kind) {
				continue
			}
			*cat = Category{}
			if err := joinCategory(ci, cp, rec.SHA256, cat); err != nil {
				return err
			}
			rec.Category = *cat
			rec.Kind, rec.Error, rec.NoHash, rec.ByEvidence = f.Kind, f.Error, f.NoHash, f.Places
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// openPrefix opens an iterator over prefix whose values are read when
// asked. Badger's prefetch starts a goroutine per item, which costs more
// than reading a value held in the table or the mapped value log in line:
// a third of the review queue's load on a 1 M-media case.
func openPrefix(txn *badger.Txn, prefix string) (*badger.Iterator, []byte) {
	o := badger.DefaultIteratorOptions
	o.Prefix = []byte(prefix)
	o.PrefetchValues = false
	it := txn.NewIterator(o)
	it.Seek(o.Prefix)
	return it, o.Prefix
}

func itemFacts(it *badger.Item) (mediaFacts, error) {
	var f mediaFacts
	err := it.Value(func(v []byte) error {
		var err error
		f, err = decodeFacts(v)
		return err
	})
	return f, err
}

// joinCategory advances the c/ iterator to sha and decodes its category
// into dst when there is one.
func joinCategory(ci *badger.Iterator, cp []byte, sha string, dst *Category) error {
	for ; ci.ValidForPrefix(cp); ci.Next() {
		csha := string(ci.Item().Key()[len(cp):])
		if csha > sha {
			return nil
		}
		if csha == sha {
			if err := ci.Item().Value(func(v []byte) error { return json.Unmarshal(v, dst) }); err != nil {
				return fmt.Errorf("category of %s: %w", sha, err)
			}
		}
	}
	return nil
}

// placeOfOccurrenceKey reads the evidence ID and the live/deleted/carved/embedded
// flag of an occurrence key, the flag counted from the end because a path
// may hold anything.
func placeOfOccurrenceKey(k string) (evidence, flag string) {
	evidence, _, _ = strings.Cut(k, "\x00")
	if strings.Count(k, "\x00") < 5 {
		return evidence, "L"
	}
	// The third field from the end: between the third and second last NULs.
	last := strings.LastIndexByte(k, 0)
	second := strings.LastIndexByte(k[:last], 0)
	third := strings.LastIndexByte(k[:second], 0)
	return evidence, k[third+1 : second]
}
