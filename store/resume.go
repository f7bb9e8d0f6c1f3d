package store

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// HasOccurrences says whether any place of an evidence item is recorded.
// An ingest of an item with none has nothing to skip, and need not look up
// each place it walks, and the store then writes its places without
// reading them first (freshplaces.go) until HasOccurrences is asked again.
func (s *Store) HasOccurrences(evidenceID string) (bool, error) {
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = keyWhere(evidenceID + "\x00")
		opt.PrefetchValues = false
		it := txn.NewIterator(opt)
		defer it.Close()
		it.Seek(opt.Prefix)
		found = it.ValidForPrefix(opt.Prefix)
		return nil
	})
	if err == nil && !found {
		s.fresh.begin(evidenceID)
	} else {
		s.fresh.end(evidenceID)
	}
	if err != nil {
		return false, fmt.Errorf("look for places of evidence %s: %w", evidenceID, err)
	}
	return found, nil
}
