package profile

import (
	"context"
	"errors"
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

// LabJoined reports whether this workstation uses a lab.
func (h *Home) LabJoined() bool { return h.lab != nil }

// LabConn is the lab this workstation joined (nil without one), for the
// case's library sender.
func (h *Home) LabConn() Lab { return h.lab }

// VerifyLabAudit recomputes the lab's audit chain: every workstation's
// entries, in the order the lab took them.
func (h *Home) VerifyLabAudit(ctx context.Context) (store.AuditCheck, error) {
	if h.lab == nil {
		return store.AuditCheck{}, errors.New("verify the lab's audit: this workstation has no lab")
	}
	c, err := h.lab.VerifyAudit(ctx)
	if err != nil {
		return c, fmt.Errorf("verify the lab's audit: %w", err)
	}
	return c, nil
}

// LabAudit returns every entry of the lab's audit chain, in order.
func (h *Home) LabAudit(ctx context.Context) ([]store.AuditEntry, error) {
	if h.lab == nil {
		return nil, errors.New("read the lab's audit: this workstation has no lab")
	}
	return h.lab.Audit(ctx)
}
