package store

import (
	"encoding/json"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Tx is one read-write transaction on a case, for changes that must land
// together: an examiner's decision is its assignment, the media's new
// current category and its audit entry, and a crash between them must not
// leave a decision without its entry or an entry without its decision.
// Reads see the transaction's own pending writes.
type Tx struct {
	s   *Store
	txn *badger.Txn
}

// Update runs fn in one transaction and commits it when fn returns nil.
// fn cannot append to the audit log (Tx.Audit fails): use UpdateAudited.
func (s *Store) Update(fn func(tx *Tx) error) error {
	return s.db.Update(func(txn *badger.Txn) error { return fn(&Tx{s: s, txn: txn}) })
}

// UpdateAudited is Update as the audit log's only writer: fn may append to
// the log with Tx.Audit, and other appends wait until it has committed (so
// fn must not call Store.Audit: it would wait for itself).
func (s *Store) UpdateAudited(fn func(tx *Tx) error) error {
	return s.audit.Update(s.db, func(txn *badger.Txn) error { return fn(&Tx{s: s, txn: txn}) })
}

// Audit appends an entry to the case's audit log; it commits with the rest
// of the transaction.
func (tx *Tx) Audit(actor, action string, detail map[string]string, at time.Time) (AuditEntry, error) {
	return tx.s.audit.AppendTxn(tx.txn, actor, action, detail, at)
}

func (tx *Tx) getJSON(key []byte, dst any) (bool, error) {
	found, err := getIn(tx.txn, key, func(v []byte) error { return json.Unmarshal(v, dst) })
	if err != nil {
		return found, fmt.Errorf("read %s: %w", printableKey(key), err)
	}
	return found, nil
}

// Media returns the media record of a SHA-256.
func (tx *Tx) Media(sha string) (Media, bool, error) {
	var m Media
	ok, err := getIn(tx.txn, keyMedia(sha), func(v []byte) error { return decodeMedia(v, &m) })
	if err != nil {
		return m, ok, fmt.Errorf("read media %s: %w", sha, err)
	}
	return m, ok, nil
}

// Category returns the current category of a media.
func (tx *Tx) Category(sha string) (Category, bool, error) {
	var c Category
	ok, err := tx.getJSON(keyCategory(sha), &c)
	return c, ok, err
}

// Assignments lists every assignment of a media, oldest key first.
func (tx *Tx) Assignments(sha string) ([]Assignment, error) {
	var out []Assignment
	err := scanIn(tx.txn, "h/"+sha+"/", func(_, v []byte) error {
		var a Assignment
		if err := json.Unmarshal(v, &a); err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read assignments of %s: %w", sha, err)
	}
	return out, nil
}

// AddAssignment records a category assignment.
func (tx *Tx) AddAssignment(sha string, a Assignment) error {
	v, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode category of %s: %w", sha, err)
	}
	if err := tx.txn.Set(assignmentKey(sha, a), v); err != nil {
		return fmt.Errorf("record category of %s: %w", sha, err)
	}
	return nil
}

// PutCategory records the current category of a media.
func (tx *Tx) PutCategory(sha string, c Category) error {
	v, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode category of %s: %w", sha, err)
	}
	if err := tx.txn.Set(keyCategory(sha), v); err != nil {
		return fmt.Errorf("write category of %s: %w", sha, err)
	}
	return nil
}

// DeleteCategory forgets the current category of a media.
func (tx *Tx) DeleteCategory(sha string) error {
	if err := tx.txn.Delete(keyCategory(sha)); err != nil {
		return fmt.Errorf("delete category of %s: %w", sha, err)
	}
	return nil
}
