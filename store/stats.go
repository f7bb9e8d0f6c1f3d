package store

import (
	"encoding/json"
	"fmt"
	"sort"
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

// Stats counts the case in two ordered scans, without a set of every hash in
// memory: occurrences for places and bytes, then media joined with their
// place index (both ordered by SHA-256) for unique contents.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	per := map[string]*Counts{}
	counts := func(ev string) *Counts {
		c := per[ev]
		if c == nil {
			c = &Counts{}
			per[ev] = c
		}
		return c
	}
	err := s.EachOccurrence("", func(o Occurrence) error {
		for _, c := range []*Counts{&st.Counts, counts(o.Evidence)} {
			c.Occurrences++
			c.Bytes += o.Size
			if o.Error != "" {
				c.Errors++
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	err = s.Scan("m/", func(k, v []byte) error {
		var m Media
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		evs := map[string]bool{}
		if err := s.ScanKeys("o/"+m.SHA256+"/", func(k []byte) error {
			evs[evidenceOfOccurrenceKey(string(k[len("o/"+m.SHA256+"/"):]))] = true
			return nil
		}); err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil // a media no longer found anywhere is not part of the counts
		}
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
		add(&st.Counts)
		for ev := range evs {
			add(counts(ev))
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("count media: %w", err)
	}
	evs, err := s.ListEvidence()
	if err != nil {
		return st, err
	}
	for _, e := range evs {
		es := EvidenceStats{Evidence: e}
		if c := per[e.ID]; c != nil {
			es.Counts = *c
		}
		st.Evidence = append(st.Evidence, es)
	}
	sort.Slice(st.Evidence, func(i, j int) bool { return st.Evidence[i].ID < st.Evidence[j].ID })
	return st, nil
}
