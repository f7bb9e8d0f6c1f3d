package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// People is where profiles (with their PIN hashes) and the exposure policy
// live: the workstation's own Badger store (the default), or the lab's
// PostgreSQL (package lab) that every workstation of a unit shares. Home
// keeps every rule (PIN checks, lockouts, who may do what, the audit) and
// asks People only to read and write, so both behave the same; the suite
// in peopletest runs against each.
type People interface {
	// UpdatePeople runs fn in one transaction; an error from fn rolls it back.
	UpdatePeople(ctx context.Context, fn func(PeopleTx) error) error
}

// Lab is the unit's shared server as a workstation uses it; package lab
// implements it over PostgreSQL.
type Lab interface {
	People
	Ledger
	Close()
}

// PeopleTx is one transaction on People.
type PeopleTx interface {
	// Profile reads one profile with its PIN hash; in the lab the row stays
	// locked until the transaction ends, so two workstations counting wrong
	// PINs at once do not lose a count.
	Profile(name string) (Profile, bool, error)
	// PutProfile creates or replaces a profile.
	PutProfile(p Profile) error
	HasProfiles() (bool, error)
	// Profiles lists every profile by name, without PIN hashes.
	Profiles() ([]Profile, error)
	// Policy is the policy in force: DefaultPolicy until one is set.
	Policy() (Policy, error)
	// PutPolicy replaces the policy.
	PutPolicy(p Policy, by string, at time.Time) error
}

// badgerPeople is People in the workstation's own store, inside the same
// Badger transaction as the audit entry that goes with each change.
type badgerPeople struct{ txn *badger.Txn }

func (b badgerPeople) Profile(name string) (Profile, bool, error) {
	var p Profile
	found, err := getJSON(b.txn, keyProfile(name), &p)
	return p, found, err
}

func (b badgerPeople) PutProfile(p Profile) error { return setJSON(b.txn, keyProfile(p.Name), p) }

func (b badgerPeople) HasProfiles() (bool, error) { return hasProfiles(b.txn) }

func (b badgerPeople) Profiles() ([]Profile, error) {
	var out []Profile
	err := scan(b.txn, "u/", "", "", func(_ string, v []byte) error {
		var p Profile
		if err := json.Unmarshal(v, &p); err != nil {
			return err
		}
		p.PINHash = ""
		out = append(out, p)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

func (b badgerPeople) Policy() (Policy, error) { return policy(b.txn) }

func (b badgerPeople) PutPolicy(p Policy, _ string, _ time.Time) error {
	return setJSON(b.txn, "meta/policy", p)
}

// embeddedPeople is People over a Badger database of its own (the same
// layout as a workstation store), for the shared test suite.
type embeddedPeople struct{ db *badger.DB }

func (e embeddedPeople) UpdatePeople(_ context.Context, fn func(PeopleTx) error) error {
	return e.db.Update(func(txn *badger.Txn) error { return fn(badgerPeople{txn}) })
}

func setJSON(txn *badger.Txn, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := txn.Set([]byte(key), b); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}
