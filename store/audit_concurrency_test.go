package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// TestAuditConcurrentAppends: the workstation appends from the ingest
// goroutine and the UI goroutine at once; every entry must be kept and the
// chain must verify (before the chain had a single writer, 8 × 200 appends
// kept a few hundred entries and the chain read as tampered with).
func TestAuditConcurrentAppends(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	const writers, each = 8, 200
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := st.Audit(fmt.Sprint("writer", g), "categorize", map[string]string{"n": fmt.Sprint(i)}, at); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	if err := st.EachAudit(func(e AuditEntry) error {
		seen[e.Actor+"/"+e.Detail["n"]]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for g := range writers {
		for i := range each {
			if k := fmt.Sprintf("writer%d/%d", g, i); seen[k] != 1 {
				t.Fatalf("entry %s stored %d times, want once (%d distinct entries in all)", k, seen[k], len(seen))
			}
		}
	}
	c, err := st.VerifyAudit()
	if err != nil {
		t.Fatal(err)
	}
	if !c.OK || c.Entries != writers*each {
		t.Fatalf("audit check %+v, want %d entries and an intact chain", c, writers*each)
	}
}

// TestAuditAppendNeedsChainUpdate: an append in a transaction the chain is
// not the writer of could take a number another append takes, so it is
// refused instead of risking a lost entry.
func TestAuditAppendNeedsChainUpdate(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	err := st.db.Update(func(txn *badger.Txn) error {
		_, err := st.audit.AppendTxn(txn, "alice", "categorize", nil, time.Now())
		return err
	})
	if err == nil {
		t.Fatal("append outside the chain's Update was accepted")
	}
	if err := st.Update(func(tx *Tx) error { _, err := tx.Audit("alice", "categorize", nil, time.Now()); return err }); err == nil {
		t.Fatal("append in a plain Update was accepted")
	}
	if c, _ := st.VerifyAudit(); c.Entries != 0 || !c.OK {
		t.Fatalf("refused appends left %+v", c)
	}
}

// TestUpdateAuditedAllOrNothing: a record and its audit entry written in
// one UpdateAudited land together or not at all.
func TestUpdateAuditedAllOrNothing(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	sha := fmt.Sprintf("%064x", 7)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	failed := errors.New("crash before commit")
	write := func(fail bool) error {
		return st.UpdateAudited(func(tx *Tx) error {
			if err := tx.AddAssignment(sha, Assignment{Category: "1", Kind: "examiner", Source: "alice", At: at}); err != nil {
				return err
			}
			if err := tx.PutCategory(sha, Category{Category: "1", Source: "examiner:alice", At: at}); err != nil {
				return err
			}
			// The transaction sees its own writes.
			if c, ok, err := tx.Category(sha); err != nil || !ok || c.Category != "1" {
				return fmt.Errorf("own write not visible: %+v %v %v", c, ok, err)
			}
			if as, err := tx.Assignments(sha); err != nil || len(as) != 1 {
				return fmt.Errorf("own assignment not visible: %+v %v", as, err)
			}
			if _, err := tx.Audit("alice", "categorize", map[string]string{"sha256": sha}, at); err != nil {
				return err
			}
			if fail {
				return failed
			}
			return nil
		})
	}
	if err := write(true); !errors.Is(err, failed) {
		t.Fatalf("failed update returned %v", err)
	}
	if _, ok, _ := st.Category(sha); ok {
		t.Fatal("category of a failed decision was kept")
	}
	if as, _ := st.Assignments(sha); len(as) != 0 {
		t.Fatalf("assignment of a failed decision was kept: %+v", as)
	}
	if c, _ := st.VerifyAudit(); c.Entries != 0 {
		t.Fatalf("audit entry of a failed decision was kept: %+v", c)
	}
	if err := write(false); err != nil {
		t.Fatal(err)
	}
	c, _ := st.VerifyAudit()
	as, _ := st.Assignments(sha)
	if _, ok, _ := st.Category(sha); !ok || len(as) != 1 || c.Entries != 1 || !c.OK {
		t.Fatalf("committed decision: category %v, %d assignments, audit %+v", ok, len(as), c)
	}
}

// TestSecondOpenInOneProcessRefused: Badger's directory lock holds within
// one process too, so one case never has two Store handles (and two audit
// chain writers) at once.
func TestSecondOpenInOneProcessRefused(t *testing.T) {
	st, dir := openTemp(t)
	defer st.Close()
	other, err := Open(dir, Options{})
	if err == nil {
		other.Close()
		t.Fatal("a second handle on an open case was allowed")
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}
