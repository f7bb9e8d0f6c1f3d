package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// The audit log is a hash chain: every entry carries the SHA-256 of the
// stored bytes of the one before it, and meta/audit_head holds the last
// entry's number and hash. Editing, deleting, inserting or reordering an
// entry breaks a link that Verify reports; cutting the tail off leaves the
// head pointing past the end. (Whoever can rewrite the whole store can
// rewrite the chain too: reports print the head hash so it can be anchored
// outside the case.)
//
//	a/<seq, 16 hex digits>   AuditEntry
//	meta/audit_head          {"seq":N,"hash":"..."}

// AuditEntry is one recorded action.
type AuditEntry struct {
	Seq    uint64            `json:"seq"`
	At     time.Time         `json:"at"`
	Actor  string            `json:"actor"`
	Action string            `json:"action"` // ingest, verify, hashset-import, categorize, ...
	Detail map[string]string `json:"detail,omitempty"`
	Prev   string            `json:"prev"` // SHA-256 of the previous entry's stored bytes; "" for the first
}

type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

func keyAudit(seq uint64) []byte { return []byte(fmt.Sprintf("a/%016x", seq)) }

// Audit appends an entry to the case's audit log, in one transaction with
// the new head.
func (s *Store) Audit(actor, action string, detail map[string]string, at time.Time) (AuditEntry, error) {
	var e AuditEntry
	err := s.db.Update(func(txn *badger.Txn) error {
		var head auditHead
		it, err := txn.Get([]byte("meta/audit_head"))
		switch {
		case errors.Is(err, badger.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			if err := it.Value(func(v []byte) error { return json.Unmarshal(v, &head) }); err != nil {
				return err
			}
		}
		e = AuditEntry{Seq: head.Seq + 1, At: at.UTC(), Actor: actor, Action: action, Detail: detail, Prev: head.Hash}
		v, err := json.Marshal(e)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(v)
		hv, _ := json.Marshal(auditHead{Seq: e.Seq, Hash: hex.EncodeToString(sum[:])})
		if err := txn.Set(keyAudit(e.Seq), v); err != nil {
			return err
		}
		return txn.Set([]byte("meta/audit_head"), hv)
	})
	if err != nil {
		return e, fmt.Errorf("append to audit log: %w", err)
	}
	return e, nil
}

// EachAudit calls fn for every entry in stored order.
func (s *Store) EachAudit(fn func(AuditEntry) error) error {
	return s.Scan("a/", func(_, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		return fn(e)
	})
}

// AuditCheck is the outcome of recomputing the chain.
type AuditCheck struct {
	Entries uint64 `json:"entries"`
	Head    string `json:"head"` // hash of the last entry
	OK      bool   `json:"ok"`
	// BrokenAt is the number of the first entry whose link does not hold.
	BrokenAt uint64 `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// VerifyAudit recomputes the hash chain and reports the first broken link.
func (s *Store) VerifyAudit() (AuditCheck, error) {
	var c AuditCheck
	prevHash, want := "", uint64(1)
	fail := func(seq uint64, problem string) error {
		c.BrokenAt, c.Problem = seq, problem
		return ErrStop
	}
	err := s.Scan("a/", func(k, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fail(want, fmt.Sprintf("entry %s is not readable: %v", k, err))
		}
		if string(k) != string(keyAudit(e.Seq)) {
			return fail(want, fmt.Sprintf("entry stored under %s claims number %d", k, e.Seq))
		}
		if e.Seq != want {
			return fail(want, fmt.Sprintf("entry %d is missing (next stored is %d)", want, e.Seq))
		}
		if e.Prev != prevHash {
			return fail(e.Seq, fmt.Sprintf("entry %d does not follow the entry before it (its link is %.12s…, the previous entry hashes to %.12s…)", e.Seq, e.Prev, prevHash))
		}
		sum := sha256.Sum256(v)
		prevHash = hex.EncodeToString(sum[:])
		c.Entries = e.Seq
		want++
		return nil
	})
	if err != nil {
		return c, err
	}
	c.Head = prevHash
	if c.Problem != "" {
		return c, nil
	}
	var head auditHead
	found, err := s.getJSON([]byte("meta/audit_head"), &head)
	if err != nil {
		return c, err
	}
	switch {
	case !found && c.Entries > 0:
		c.BrokenAt, c.Problem = c.Entries, "the log's head record is missing"
	case found && (head.Seq != c.Entries || head.Hash != prevHash):
		c.BrokenAt = c.Entries + 1
		c.Problem = fmt.Sprintf("the head says the log ends at entry %d; the stored log ends at entry %d", head.Seq, c.Entries)
		if head.Seq == c.Entries {
			c.BrokenAt, c.Problem = c.Entries, fmt.Sprintf("entry %d differs from the one the head recorded", c.Entries)
		}
	default:
		c.OK = true
	}
	return c, nil
}
