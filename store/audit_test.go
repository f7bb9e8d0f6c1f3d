package store

import (
	"encoding/json"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

func auditedStore(t *testing.T) *Store {
	t.Helper()
	st, _ := openTemp(t)
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i, action := range []string{"ingest", "hashset-import", "categorize", "categorize", "verify"} {
		if _, err := st.Audit("alice", action, map[string]string{"n": string(rune('a' + i))}, at.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func raw(t *testing.T, st *Store, seq uint64) []byte {
	t.Helper()
	var v []byte
	st.db.View(func(txn *badger.Txn) error {
		it, err := txn.Get(newCaseAudit().key(seq))
		if err != nil {
			t.Fatal(err)
		}
		v, _ = it.ValueCopy(nil)
		return nil
	})
	return v
}

func tamper(t *testing.T, st *Store, f func(txn *badger.Txn) error) {
	t.Helper()
	if err := st.db.Update(f); err != nil {
		t.Fatal(err)
	}
}

func TestAuditChainDetectsTampering(t *testing.T) {
	st := auditedStore(t)
	c, err := st.VerifyAudit()
	if err != nil || !c.OK || c.Entries != 5 || len(c.Head) != 64 {
		t.Fatalf("clean log: %+v %v", c, err)
	}
	for _, tc := range []struct {
		name   string
		change func(st *Store) func(txn *badger.Txn) error
		broken uint64
	}{
		{"edit a middle entry", func(st *Store) func(*badger.Txn) error {
			var e AuditEntry
			json.Unmarshal(raw(t, st, 3), &e)
			e.Detail["n"] = "changed quietly"
			v, _ := json.Marshal(e)
			return func(txn *badger.Txn) error { return txn.Set(newCaseAudit().key(3), v) }
		}, 4},
		{"delete a middle entry", func(*Store) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Delete(newCaseAudit().key(2)) }
		}, 2},
		{"swap two entries", func(st *Store) func(*badger.Txn) error {
			a, b := raw(t, st, 2), raw(t, st, 3)
			return func(txn *badger.Txn) error {
				txn.Set(newCaseAudit().key(2), b)
				return txn.Set(newCaseAudit().key(3), a)
			}
		}, 2},
		{"renumber a swap to hide it", func(st *Store) func(*badger.Txn) error {
			var a, b AuditEntry
			json.Unmarshal(raw(t, st, 2), &a)
			json.Unmarshal(raw(t, st, 3), &b)
			a.Seq, b.Seq = 3, 2
			va, _ := json.Marshal(a)
			vb, _ := json.Marshal(b)
			return func(txn *badger.Txn) error {
				txn.Set(newCaseAudit().key(2), vb)
				return txn.Set(newCaseAudit().key(3), va)
			}
		}, 2},
		{"cut the last entry", func(*Store) func(*badger.Txn) error {
			return func(txn *badger.Txn) error { return txn.Delete(newCaseAudit().key(5)) }
		}, 5},
		{"edit the last entry", func(st *Store) func(*badger.Txn) error {
			var e AuditEntry
			json.Unmarshal(raw(t, st, 5), &e)
			e.Actor = "mallory"
			v, _ := json.Marshal(e)
			return func(txn *badger.Txn) error { return txn.Set(newCaseAudit().key(5), v) }
		}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := auditedStore(t)
			tamper(t, st, tc.change(st))
			c, err := st.VerifyAudit()
			if err != nil {
				t.Fatal(err)
			}
			if c.OK || c.BrokenAt != tc.broken || c.Problem == "" {
				t.Fatalf("got %+v, want the break reported at entry %d", c, tc.broken)
			}
		})
	}
}
