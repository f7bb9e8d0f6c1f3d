package store

import (
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// TestAuditChainMatchesStore: the shared chain reads and verifies a case's
// own log exactly as Store.VerifyAudit does, intact and tampered.
func TestAuditChainMatchesStore(t *testing.T) {
	s, err := Open(t.TempDir(), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if _, err := s.Audit("alice", "categorize", map[string]string{"n": string(rune('a' + i))}, at); err != nil {
			t.Fatal(err)
		}
	}
	chain := NewAuditChain("a/", "meta/audit_head")
	compare := func(label string) {
		t.Helper()
		want, err := s.VerifyAudit()
		if err != nil {
			t.Fatal(err)
		}
		var got AuditCheck
		if err := s.db.View(func(txn *badger.Txn) error { got, err = chain.Verify(txn); return err }); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: chain says %+v, store says %+v", label, got, want)
		}
	}
	compare("intact")
	// An entry appended through the chain continues the store's log.
	if err := chain.Update(s.db, func(txn *badger.Txn) error {
		_, err := chain.AppendTxn(txn, "bob", "export", nil, at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	compare("appended")
	if c, _ := s.VerifyAudit(); !c.OK || c.Entries != 4 {
		t.Fatalf("store does not accept the chain's entry: %+v", c)
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(chain.key(2)) }); err != nil {
		t.Fatal(err)
	}
	compare("deleted")
}
