package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// AuditChain is the audit hash chain described in audit.go, usable on any
// Badger database under any key prefix: a case's log is
// NewAuditChain("a/", "meta/audit_head"), the workstation's profile store
// keeps its own. Entries are appended inside the caller's transaction (so a
// record and its audit entry commit together), and only inside the chain's
// Update.
//
// Why a lock and not Badger's conflict detection: an append reads the head
// and writes head+1, so two transactions appending at once would both write
// entry N+1 and one would be lost. Conflict detection would turn that into
// an error to retry, but it is a setting of the whole database and a case
// turns it off: it tracks every key every transaction reads, which an
// ingest of millions of files pays for, and an ingest batch that lost a
// conflict would fail rather than retry. So the chain is its own single
// writer (which needs no retries): Update holds the chain's lock from before
// the transaction reads the head until it has committed.
// Another process cannot append meanwhile: Badger's directory lock lets
// only one open handle use a database, even within one process (a second
// Open of the same directory fails), so this lock sees every writer.
type AuditChain struct {
	prefix string // entries live at prefix + 16 hex digits of their number
	head   string // key of the {"seq":N,"hash":"..."} head record

	mu sync.Mutex
	// writing is the transaction Update runs; AppendTxn refuses any other,
	// so an append that could race another is an error, not a lost entry.
	writing atomic.Pointer[badger.Txn]
}

// NewAuditChain is a chain whose entries live under prefix and whose head
// record is the key head.
func NewAuditChain(prefix, head string) *AuditChain {
	return &AuditChain{prefix: prefix, head: head}
}

func (c *AuditChain) key(seq uint64) []byte { return []byte(fmt.Sprintf("%s%016x", c.prefix, seq)) }

func (c *AuditChain) readHead(txn *badger.Txn) (auditHead, bool, error) {
	var h auditHead
	it, err := txn.Get([]byte(c.head))
	switch {
	case errors.Is(err, badger.ErrKeyNotFound):
		return h, false, nil
	case err != nil:
		return h, false, fmt.Errorf("read audit head: %w", err)
	}
	if err := it.Value(func(v []byte) error { return json.Unmarshal(v, &h) }); err != nil {
		return h, false, fmt.Errorf("read audit head: %w", err)
	}
	return h, true, nil
}

// Update runs fn in one read-write transaction of db as the chain's only
// writer, and commits it: entries fn appends with AppendTxn and everything
// else fn writes land together or not at all. It is not reentrant: fn must
// not start another Update of the same chain.
func (c *AuditChain) Update(db *badger.DB, fn func(txn *badger.Txn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The transaction starts after the lock is taken, so it reads the head
	// the previous append committed.
	txn := db.NewTransaction(true)
	defer txn.Discard()
	c.writing.Store(txn)
	defer c.writing.Store(nil)
	if err := fn(txn); err != nil {
		return err
	}
	return txn.Commit()
}

// AppendTxn adds an entry after the current head and moves the head, in
// txn, which must be the transaction the chain's Update is running.
func (c *AuditChain) AppendTxn(txn *badger.Txn, actor, action string, detail map[string]string, at time.Time) (AuditEntry, error) {
	if txn == nil || c.writing.Load() != txn {
		return AuditEntry{}, fmt.Errorf("append %s to audit log %s: not in the log's Update transaction, another append could take the same number", action, c.prefix)
	}
	h, _, err := c.readHead(txn)
	if err != nil {
		return AuditEntry{}, err
	}
	e := AuditEntry{Seq: h.Seq + 1, At: at.UTC(), Actor: actor, Action: action, Detail: detail, Prev: h.Hash}
	v, err := json.Marshal(e)
	if err != nil {
		return e, fmt.Errorf("encode audit entry: %w", err)
	}
	sum := sha256.Sum256(v)
	hv, err := json.Marshal(auditHead{Seq: e.Seq, Hash: hex.EncodeToString(sum[:])})
	if err != nil {
		return e, fmt.Errorf("encode audit head: %w", err)
	}
	if err := txn.Set(c.key(e.Seq), v); err != nil {
		return e, fmt.Errorf("append audit entry %d: %w", e.Seq, err)
	}
	if err := txn.Set([]byte(c.head), hv); err != nil {
		return e, fmt.Errorf("move audit head: %w", err)
	}
	return e, nil
}

// each calls fn with every stored entry's key and bytes, in key order.
func (c *AuditChain) each(txn *badger.Txn, fn func(k, v []byte) error) error {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = []byte(c.prefix)
	it := txn.NewIterator(opt)
	defer it.Close()
	for it.Seek(opt.Prefix); it.ValidForPrefix(opt.Prefix); it.Next() {
		k := it.Item().KeyCopy(nil)
		if err := it.Item().Value(func(v []byte) error { return fn(k, v) }); err != nil {
			return err
		}
	}
	return nil
}

// Each calls fn for every entry in stored order.
func (c *AuditChain) Each(txn *badger.Txn, fn func(AuditEntry) error) error {
	return c.each(txn, func(k, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("audit entry %s: %w", k, err)
		}
		return fn(e)
	})
}

// Verify recomputes the chain and reports the first broken link, with the
// same rules and messages as Store.VerifyAudit.
func (c *AuditChain) Verify(txn *badger.Txn) (AuditCheck, error) {
	var ck AuditCheck
	prevHash, want := "", uint64(1)
	fail := func(seq uint64, problem string) error {
		ck.BrokenAt, ck.Problem = seq, problem
		return ErrStop
	}
	err := c.each(txn, func(k, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fail(want, fmt.Sprintf("entry %s is not readable: %v", k, err))
		}
		if string(k) != string(c.key(e.Seq)) {
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
		ck.Entries = e.Seq
		want++
		return nil
	})
	if err != nil && !errors.Is(err, ErrStop) {
		return ck, fmt.Errorf("verify audit chain %s: %w", c.prefix, err)
	}
	ck.Head = prevHash
	if ck.Problem != "" {
		return ck, nil
	}
	head, found, err := c.readHead(txn)
	if err != nil {
		return ck, err
	}
	switch {
	case !found && ck.Entries > 0:
		ck.BrokenAt, ck.Problem = ck.Entries, "the log's head record is missing"
	case found && (head.Seq != ck.Entries || head.Hash != prevHash):
		ck.BrokenAt = ck.Entries + 1
		ck.Problem = fmt.Sprintf("the head says the log ends at entry %d; the stored log ends at entry %d", head.Seq, ck.Entries)
		if head.Seq == ck.Entries {
			ck.BrokenAt, ck.Problem = ck.Entries, fmt.Sprintf("entry %d differs from the one the head recorded", ck.Entries)
		}
	default:
		ck.OK = true
	}
	return ck, nil
}
