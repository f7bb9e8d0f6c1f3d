package store

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Keys for known material and categories:
//
//	hs/<setID>                        HashSet: one imported hash set
//	k/<algo>/<raw digest>/<setID>     KnownEntry: what a set says about a digest
//	                                  (an encrypted case's sets only: other cases keep
//	                                  their sets as sorted runs, categorize.CaseSetsDir)
//	h/<sha256>/<source>/<stamp>       Assignment: every category assignment ever made
//	c/<sha256>                        Category: the effective category now (see categorize)

// HashSet describes one imported set of known hashes.
type HashSet struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Format  string `json:"format"`  // vics, icse, nsrl, text
	Variant string `json:"variant"` // e.g. VICS "2.0 UK"
	Mapping string `json:"mapping"` // how source categories were mapped, as printed
	// Vocabulary and Codes are the mapping itself: every source code, what
	// it means, the case's code it became and whether the examiner chose it.
	Vocabulary string        `json:"vocabulary,omitempty"`
	Codes      []CodeMapping `json:"codes,omitempty"`
	File       string        `json:"file"`
	FileSHA256 string        `json:"file_sha256"`
	Category   string        `json:"category,omitempty"` // default category given at import
	Entries    int64         `json:"entries"`
	Bad        int64         `json:"bad"`
	Matched    int64         `json:"matched"` // media of this case it matched
	ImportedAt time.Time     `json:"imported_at"`
	By         string        `json:"by"`
	// Library is the workstation hash library the set was imported into
	// ("" for a set imported into the case); Scheme the scheme its codes
	// were mapped into there.
	Library string `json:"library,omitempty"`
	Scheme  string `json:"scheme,omitempty"`
}

// CodeMapping is where one source category code of a hash set went in the
// case's scheme.
type CodeMapping struct {
	From    string `json:"from"`
	Meaning string `json:"meaning,omitempty"`
	To      string `json:"to"`               // "" when no entry of the set carried the code
	ByMap   bool   `json:"by_map,omitempty"` // the examiner chose it with --map
	Records int64  `json:"records"`          // entries carrying the code; -1: every entry, not counted
}

// KnownEntry is what one hash set says about one digest.
type KnownEntry struct {
	Set                string `json:"set"`
	Category           string `json:"category"`
	SourceCategory     string `json:"source_category,omitempty"`
	MediaID            string `json:"media_id,omitempty"`
	Series             string `json:"series,omitempty"`
	VictimIdentified   bool   `json:"victim_identified,omitempty"`
	OffenderIdentified bool   `json:"offender_identified,omitempty"`
	IsDistributed      bool   `json:"is_distributed,omitempty"`
}

// Assignment is one category given to one media by one source.
type Assignment struct {
	Category string    `json:"category"`
	Kind     string    `json:"kind"`   // "hashset", "examiner", "suggested", "undo" (an examiner withdrew a first decision)
	Source   string    `json:"source"` // set name, examiner name, or the SHA-256 the suggestion comes from
	At       time.Time `json:"at"`
	Distance int       `json:"distance,omitempty"` // pHash bits, for suggestions
	// Withdraws, on an "undo", is the time of the examiner decision it takes back.
	Withdraws time.Time `json:"withdraws,omitzero"`
}

// Key of an assignment: decisions by people are history (one key each);
// hash-set matches and suggestions are facts that re-applying must not
// repeat (one key per source).
func assignmentKey(sha string, a Assignment) []byte {
	stamp := "0"
	if a.Kind == "examiner" || a.Kind == "undo" {
		stamp = fmt.Sprintf("%016x", a.At.UnixNano())
	}
	return []byte("h/" + sha + "/" + a.Kind + ":" + a.Source + "/" + stamp)
}

// RemoveAssignment deletes the assignment a source made (a suggestion whose
// source lost its category). Decisions by people are never removed: they
// are history, and are taken back with an "undo" assignment instead.
func (s *Store) RemoveAssignment(sha string, a Assignment) error {
	if a.Kind == "examiner" || a.Kind == "undo" {
		return fmt.Errorf("remove assignment of %s: a %s assignment is history and stays", sha, a.Kind)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(assignmentKey(sha, a)) }); err != nil {
		return fmt.Errorf("remove assignment of %s: %w", sha, err)
	}
	return nil
}

// PutHashSet records an imported set.
func (s *Store) PutHashSet(h HashSet) error {
	v, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("hs/"+h.ID), v) }); err != nil {
		return fmt.Errorf("write hash set %s: %w", h.Name, err)
	}
	return nil
}

// HashSets lists the imported sets.
func (s *Store) HashSets() ([]HashSet, error) {
	var out []HashSet
	err := s.Scan("hs/", func(_, v []byte) error {
		var h HashSet
		if err := json.Unmarshal(v, &h); err != nil {
			return err
		}
		out = append(out, h)
		return nil
	})
	return out, err
}

// HasKnownEntries tells whether the store holds hash-set entries of its
// own: sets imported into an encrypted case, or into any case before case
// sets were kept as sorted runs beside the store (categorize.CaseSetsDir).
func (s *Store) HasKnownEntries() (bool, error) {
	found := false
	err := s.ScanKeys("k/", func([]byte) error { found = true; return ErrStop })
	return found, err
}

// AddKnown queues one hash-set entry.
func (b *Batch) AddKnown(algo, digest string, e KnownEntry) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.set(knownPrefix(algo, digest, e.Set), v)
}

// knownPrefix keys hash-set entries by the digest's raw bytes: half the size
// of hex, which matters at tens of millions of entries.
func knownPrefix(algo, digest, set string) []byte {
	k := []byte("k/" + algo + "/")
	if raw, err := hex.DecodeString(digest); err == nil {
		k = append(k, raw...)
	} else {
		k = append(k, digest...)
	}
	k = append(k, '/')
	return append(k, set...)
}

// Known returns what every set says about a digest.
func (s *Store) Known(algo, digest string) ([]KnownEntry, error) {
	var out []KnownEntry
	err := s.Scan(string(knownPrefix(algo, digest, "")), func(_, v []byte) error {
		var e KnownEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// AddAssignment records a category assignment.
func (s *Store) AddAssignment(sha string, a Assignment) error {
	return s.Update(func(tx *Tx) error { return tx.AddAssignment(sha, a) })
}

// Assignments lists every assignment of a media, oldest key first.
func (s *Store) Assignments(sha string) ([]Assignment, error) {
	var out []Assignment
	err := s.Scan("h/"+sha+"/", func(_, v []byte) error {
		var a Assignment
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// EachCategory calls fn for every media with an effective category.
func (s *Store) EachCategory(fn func(sha string, c Category) error) error {
	return s.Scan("c/", func(k, v []byte) error {
		var c Category
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		return fn(string(k[2:]), c)
	})
}

// EachMedia calls fn for every media record in SHA-256 order.
func (s *Store) EachMedia(fn func(Media) error) error {
	return s.Scan("m/", func(_, v []byte) error {
		var m Media
		if err := decodeMedia(v, &m); err != nil {
			return err
		}
		return fn(m)
	})
}
