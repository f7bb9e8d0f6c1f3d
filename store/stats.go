package store

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

// Counts is the headline arithmetic of a case or of one evidence item.
type Counts struct {
	Occurrences int64 `json:"occurrences"` // places files were found
	Unique      int64 `json:"unique"`      // distinct contents (SHA-256)
	Pictures    int64 `json:"pictures"`    // unique contents that are pictures
	Videos      int64 `json:"videos"`      // unique contents that are videos
	Other       int64 `json:"other"`       // unique contents that are neither
	Errors      int64 `json:"errors"`      // undecodable unique pictures + unreadable occurrences
	Bytes       int64 `json:"bytes"`       // sum of occurrence sizes
	UniqueBytes int64 `json:"unique_bytes"`
	// Places by how they were found; Embedded are members of other files.
	Live     int64 `json:"live"`
	Deleted  int64 `json:"deleted"`
	Carved   int64 `json:"carved"`
	Embedded int64 `json:"embedded"`
}

// EvidenceStats are the counts of one evidence item.
type EvidenceStats struct {
	Evidence
	Counts
}

// Stats are the counts of the whole case and of each evidence item.
type Stats struct {
	Counts
	Evidence []EvidenceStats `json:"evidence"`
}

// Stats returns the counts kept as the case was written (counters.go):
// reading them costs the same at ten places or ten million.
func (s *Store) Stats() (Stats, error) {
	per, deltas, ok, err := s.readCounters()
	if err != nil {
		return Stats{}, err
	}
	if !ok {
		if err := s.RebuildCounters(); err != nil {
			return Stats{}, err
		}
		if per, deltas, _, err = s.readCounters(); err != nil {
			return Stats{}, err
		}
	}
	if deltas > foldAbove {
		if err := s.foldCounters(); err != nil {
			return Stats{}, err
		}
	}
	return s.statsOf(per)
}

// Recount counts the whole case from its records, ignoring the counters:
// what `scrim stats --recount` checks them against.
func (s *Store) Recount() (Stats, error) {
	per, err := s.recount()
	if err != nil {
		return Stats{}, err
	}
	return s.statsOf(per)
}

func (s *Store) statsOf(per map[string]Counts) (Stats, error) {
	st := Stats{Counts: per[""]}
	evs, err := s.ListEvidence()
	if err != nil {
		return st, err
	}
	for _, e := range evs {
		st.Evidence = append(st.Evidence, EvidenceStats{Evidence: e, Counts: per[e.ID]})
	}
	sort.Slice(st.Evidence, func(i, j int) bool { return st.Evidence[i].ID < st.Evidence[j].ID })
	return st, nil
}

// recount counts the case in two ordered scans, without a set of every hash
// in memory: occurrences for places and bytes, then media joined with their
// place index (both ordered by SHA-256) for unique contents. The case's
// counts are under "".
func (s *Store) recount() (map[string]Counts, error) {
	per := map[string]*Counts{}
	counts := func(ev string) *Counts {
		c := per[ev]
		if c == nil {
			c = &Counts{}
			per[ev] = c
		}
		return c
	}
	total := counts("")
	err := s.EachOccurrence("", func(o Occurrence) error {
		for _, c := range []*Counts{total, counts(o.Evidence)} {
			c.Occurrences++
			c.Bytes += o.Size
			if o.Error != "" {
				c.Errors++
			}
			switch {
			case o.Embedded:
				c.Embedded++
			case o.Carved:
				c.Carved++
			case o.Deleted:
				c.Deleted++
			default:
				c.Live++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.eachMediaWithEvidence(func(m Media, evs []string) {
		add := func(c *Counts) {
			c.Unique++
			c.UniqueBytes += m.Size
			switch m.Kind {
			case "picture":
				c.Pictures++
			case "video":
				c.Videos++
			default:
				c.Other++
			}
			if m.Error != "" {
				c.Errors++
			}
		}
		add(total)
		for _, ev := range evs {
			add(counts(ev))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("count media: %w", err)
	}
	out := make(map[string]Counts, len(per))
	for ev, c := range per {
		out[ev] = *c
	}
	return out, nil
}

// eachMediaWithEvidence merge-joins m/ (with the first place each holds)
// with o/, both ordered by SHA-256, and calls fn for every media found
// somewhere, with the distinct evidence items holding it. A media no
// longer found anywhere is skipped.
func (s *Store) eachMediaWithEvidence(fn func(Media, []string)) error {
	return s.db.View(func(txn *badger.Txn) error {
		mo := badger.DefaultIteratorOptions
		mo.Prefix = []byte("m/")
		mi := txn.NewIterator(mo)
		defer mi.Close()
		oo := badger.DefaultIteratorOptions
		oo.Prefix = []byte("o/")
		oo.PrefetchValues = false
		oi := txn.NewIterator(oo)
		defer oi.Close()
		oi.Seek(oo.Prefix)
		for mi.Seek(mo.Prefix); mi.ValidForPrefix(mo.Prefix); mi.Next() {
			sha := string(mi.Item().Key()[2:])
			var evs []string
			var m Media
			first, err := readMediaItem(mi.Item(), &m)
			if err != nil {
				return err
			}
			if first != "" {
				evs = append(evs, evidenceOfOccurrenceKey(first))
			}
			for ; oi.ValidForPrefix(oo.Prefix); oi.Next() {
				rest := string(oi.Item().Key()[2:])
				osha, occ, _ := strings.Cut(rest, "/")
				if osha > sha {
					break
				}
				if osha == sha {
					if ev := evidenceOfOccurrenceKey(occ); !slices.Contains(evs, ev) {
						evs = append(evs, ev)
					}
				}
			}
			if len(evs) == 0 {
				continue
			}
			fn(m, evs)
		}
		return nil
	})
}
