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

// EachMediaPlaces merge-joins m/, c/ and o/ (all ordered by SHA-256) and
// calls fn for every media found somewhere, like Stats does: a media no
// longer found anywhere is skipped. How a place was found comes from its
// occurrence key, so no occurrence record is read and memory stays flat.
// The map handed to fn is reused: copy what must outlive the call.
func (s *Store) EachMediaPlaces(fn func(MediaPlaces) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		open := func(prefix string, values bool) (*badger.Iterator, []byte) {
			o := badger.DefaultIteratorOptions
			o.Prefix = []byte(prefix)
			o.PrefetchValues = values
			it := txn.NewIterator(o)
			it.Seek(o.Prefix)
			return it, o.Prefix
		}
		mi, mp := open("m/", true)
		defer mi.Close()
		ci, cp := open("c/", true)
		defer ci.Close()
		oi, op := open("o/", false)
		defer oi.Close()
		by := map[string]Places{}
		for ; mi.ValidForPrefix(mp); mi.Next() {
			sha := string(mi.Item().Key()[len(mp):])
			clear(by)
			for ; oi.ValidForPrefix(op); oi.Next() {
				osha, occ, _ := strings.Cut(string(oi.Item().Key()[len(op):]), "/")
				if osha > sha {
					break
				}
				if osha == sha {
					ev, flag := placeOfOccurrenceKey(occ)
					p := by[ev]
					switch flag {
					case "C":
						p.Carved++
					case "E":
						p.Embedded++
					case "D":
						p.Deleted++
					default:
						p.Live++
					}
					by[ev] = p
				}
			}
			var rec MediaPlaces
			for ; ci.ValidForPrefix(cp); ci.Next() {
				csha := string(ci.Item().Key()[len(cp):])
				if csha > sha {
					break
				}
				if csha == sha {
					if err := ci.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec.Category) }); err != nil {
						return fmt.Errorf("category of %s: %w", sha, err)
					}
				}
			}
			if len(by) == 0 {
				continue
			}
			if err := mi.Item().Value(func(v []byte) error { return json.Unmarshal(v, &rec.Media) }); err != nil {
				return fmt.Errorf("media %s: %w", sha, err)
			}
			rec.ByEvidence = by
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// placeOfOccurrenceKey reads the evidence ID and the live/deleted/carved/embedded
// flag of an occurrence key, the flag counted from the end because a path
// may hold anything.
func placeOfOccurrenceKey(k string) (evidence, flag string) {
	parts := strings.Split(k, "\x00")
	if len(parts) < 6 {
		return parts[0], "L"
	}
	return parts[0], parts[len(parts)-3]
}
