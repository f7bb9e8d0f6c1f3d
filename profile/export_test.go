package profile

import badger "github.com/dgraph-io/badger/v4"

// NewEmbeddedPeople is People over a fresh Badger store in dir, for the
// shared suite in peopletest.
func NewEmbeddedPeople(dir string) (People, func() error, error) {
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		return nil, nil, err
	}
	return embeddedPeople{db}, db.Close, nil
}
