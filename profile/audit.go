package profile

import (
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"scrim/store"
)

// The workstation audit chain uses store.AuditChain, the case log's own
// encoding: entries a/<seq>, head meta/audit_head. Actions: sign-in,
// sign-in-failed (reason: unknown name, wrong PIN, locked), pin-check-failed
// (a wrong PIN re-entered for SetPolicy/ResetClock), profile-add,
// policy-change (old → new), break-start, break-end, exposure-interrupted,
// clock-moved-backwards, clock-caught-up, clock-reset. Entries written while
// the clock is behind carry clock_suspect=true.

// VerifyAudit recomputes the workstation's hash chain and reports the first
// broken link.
func (h *Home) VerifyAudit() (store.AuditCheck, error) {
	var c store.AuditCheck
	err := h.view(func(txn *badger.Txn) error {
		var err error
		c, err = h.chain.Verify(txn)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("verify workstation audit: %w", err)
	}
	return c, nil
}

// Audit returns every entry of the workstation's audit chain, in order.
func (h *Home) Audit() ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	err := h.view(func(txn *badger.Txn) error {
		return h.chain.Each(txn, func(e store.AuditEntry) error { out = append(out, e); return nil })
	})
	if err != nil {
		return nil, fmt.Errorf("read workstation audit: %w", err)
	}
	return out, nil
}
