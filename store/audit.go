package store

import (
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

// newCaseAudit is where a case keeps its log; each open Store has its own
// chain object, the log's single writer.
func newCaseAudit() *AuditChain { return NewAuditChain("a/", "meta/audit_head") }

// Audit appends an entry to the case's audit log, in one transaction with
// the new head. It is safe for concurrent use: appends are serialized.
func (s *Store) Audit(actor, action string, detail map[string]string, at time.Time) (AuditEntry, error) {
	var e AuditEntry
	err := s.UpdateAudited(func(tx *Tx) error {
		var err error
		e, err = tx.Audit(actor, action, detail, at)
		return err
	})
	if err != nil {
		return e, fmt.Errorf("append to audit log: %w", err)
	}
	return e, nil
}

// EachAudit calls fn for every entry in stored order.
func (s *Store) EachAudit(fn func(AuditEntry) error) error {
	return s.db.View(func(txn *badger.Txn) error { return s.audit.Each(txn, fn) })
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
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		c, err = s.audit.Verify(txn)
		return err
	})
	return c, err
}
