package store

import (
	"encoding/json"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
)

// FileRecord is everything one ingested file adds to the case.
type FileRecord struct {
	Occurrence Occurrence
	// Media is nil when the content could not be read, or when the caller
	// knows the media is already stored and skipped its analysis.
	Media *Media
	Thumb []byte
	// PreviousSHA256 is the content this place held in an earlier run, when
	// it differs; its stale index entry is removed.
	PreviousSHA256 string
}

// Batch groups many files into few transactions. Each file's keys always go
// into one transaction, so a crash leaves every file either fully recorded or
// not at all: the occurrence record, written last, is the proof of completion.
//
// A full transaction is committed in the background while the next one
// fills: Badger's writer and the batch's own work (encoding, counting) were
// two serial stages of a small-file ingest, one waiting for the other. At
// most one transaction is in flight; the next is opened before it is sent,
// so its snapshot is what was applied before, and reads look at what the
// one in flight writes first (get). Flush waits for everything.
type Batch struct {
	s     *Store
	txn   *badger.Txn
	bytes int
	keys  int
	cnt   *counterTxn // counters.go
	// writes are the keys txn queues, for the reads of the transaction
	// opened after it while it is in flight.
	writes map[string]queued
	sent   *sentTxn // the transaction in flight, nil when none
}

// queued is a value a transaction writes, or a deletion.
type queued struct {
	v       []byte
	deleted bool
}

// sentTxn is a transaction committing in the background.
type sentTxn struct {
	owner  *Batch
	writes map[string]queued
	done   chan struct{} // closed when Badger has applied it, or failed
	err    error         // set before done is closed
}

// Limits per transaction, well below Badger's own (15 % of a 32 MiB memtable).
const (
	batchMaxBytes = 2 << 20
	batchMaxKeys  = 4000
)

// NewBatch starts a batch; call Flush to commit it.
func (s *Store) NewBatch() *Batch { return &Batch{s: s, writes: map[string]queued{}} }

type kv struct{ k, v []byte }

func fileEntries(r FileRecord, occKey string) ([]kv, []byte, error) {
	var out []kv
	var del []byte
	o := r.Occurrence
	if m := r.Media; m != nil {
		mv, err := encodeMedia(m)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, kv{keyMedia(m.SHA256), mv})
		if len(r.Thumb) > 0 {
			out = append(out, kv{keyThumb(m.SHA256), r.Thumb})
		}
	}
	if r.PreviousSHA256 != "" && r.PreviousSHA256 != o.SHA256 {
		del = keyOccIndex(r.PreviousSHA256, occKey)
	}
	if o.SHA256 != "" {
		out = append(out, kv{keyOccIndex(o.SHA256, occKey), nil})
	}
	ov, err := encodeOccurrence(&o)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, kv{keyWhere(occKey), ov}) // last: marks the file done
	return out, del, nil
}

// Add queues one file and reports whether its media is new to the case. It
// commits the current transaction first when the file would not fit in it.
// Two workers may analyse the same content at once; only the first record of
// a media is written, so counts and the value log stay exact.
func (b *Batch) Add(r FileRecord) (newMedia bool, err error) {
	if r.Media != nil {
		known, err := b.hasMedia(r.Media.SHA256)
		if err != nil {
			return false, fmt.Errorf("store %s: %w", r.Occurrence.Path, err)
		}
		if known {
			r.Media, r.Thumb = nil, nil
		}
	}
	occKey := OccurrenceKey(r.Occurrence)
	entries, del, err := fileEntries(r, occKey)
	if err != nil {
		return false, fmt.Errorf("encode record for %s: %w", r.Occurrence.Path, err)
	}
	size := 0
	for _, e := range entries {
		size += len(e.k) + len(e.v) + 16
	}
	if b.keys > 0 && (b.bytes+size > batchMaxBytes || b.keys+len(entries)+1 > batchMaxKeys) {
		if err := b.commit(true); err != nil {
			return false, err
		}
	}
	if b.txn == nil {
		b.txn = b.s.db.NewTransaction(true)
	}
	if err := b.countRecord(r, occKey, del); err != nil {
		return false, b.fail(r, err)
	}
	if del != nil {
		if err := b.delete(del); err != nil {
			return false, b.fail(r, err)
		}
	}
	for _, e := range entries {
		if err := b.put(e.k, e.v); err != nil {
			return false, b.fail(r, err)
		}
	}
	b.bytes += size
	b.keys += len(entries) + 1
	if r.Media != nil {
		b.s.media.add(r.Media.SHA256)
	}
	return r.Media != nil, nil
}

// hasMedia looks in the open transaction (which sees its own pending
// writes) or, between transactions, in the store; a content the media
// filter has never seen needs neither.
func (b *Batch) hasMedia(sha string) (bool, error) {
	if !b.s.media.mayHave(b.s.db, sha) {
		return false, nil
	}
	if b.txn == nil {
		return b.s.HasMedia(sha)
	}
	// A media found somewhere keeps its place counts beside its record,
	// and countRecord needs those next: a duplicate is settled by that one
	// read, kept for the transaction, instead of two.
	b.beginCounters()
	if _, ok := b.cnt.facts[sha]; ok {
		return true, nil // cached only for a media stored or queued here
	}
	if f, ok := b.s.counters.committed.get(sha); ok {
		b.cnt.facts[sha] = f
		return true, nil
	}
	var f mediaFacts
	found, err := b.get([]byte(placeCounts+sha), func(v []byte) error {
		var err error
		f, err = decodeFacts(v)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("place counts of %s: %w", sha, err)
	}
	if found {
		b.cnt.facts[sha] = f
		return true, nil
	}
	found, err = b.exists(keyMedia(sha))
	return found, err
}

func (b *Batch) fail(r FileRecord, err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		err = fmt.Errorf("record too large for one transaction: %w", err)
	}
	b.Discard()
	return fmt.Errorf("store %s: %w", r.Occurrence.Path, err)
}

// get reads key as the open transaction sees it after the one in flight:
// its own writes, then those in flight, then its snapshot.
func (b *Batch) get(key []byte, fn func([]byte) error) (bool, error) {
	q, ok := b.writes[string(key)]
	if !ok && b.sent != nil {
		q, ok = b.sent.writes[string(key)]
	}
	if ok {
		if q.deleted {
			return false, nil
		}
		return true, fn(q.v)
	}
	return getIn(b.txn, key, fn)
}

func (b *Batch) exists(key []byte) (bool, error) {
	found, err := b.get(key, func([]byte) error { return nil })
	if err != nil {
		return false, fmt.Errorf("read %s: %w", printableKey(key), err)
	}
	return found, nil
}

// put and delete queue a write in the open transaction.
func (b *Batch) put(k, v []byte) error {
	if err := b.txn.Set(k, v); err != nil {
		return err
	}
	b.writes[string(k)] = queued{v: v}
	return nil
}

func (b *Batch) delete(k []byte) error {
	if err := b.txn.Delete(k); err != nil {
		return err
	}
	b.writes[string(k)] = queued{deleted: true}
	return nil
}

// Pending is the number of bytes queued and not yet committed.
func (b *Batch) Pending() int { return b.bytes }

// Flush commits what is queued and waits until it is applied.
func (b *Batch) Flush() error { return b.commit(false) }

// commit sends the open transaction to Badger; unless async, it waits
// until it is applied. An async commit opens the next transaction first,
// and returns once the previous one in flight is applied.
func (b *Batch) commit(async bool) error {
	if err := b.waitSent(); err != nil {
		b.Discard() // built on what failed
		return err
	}
	if b.txn == nil {
		return nil
	}
	if err := b.commitCounters(); err != nil {
		b.Discard()
		return fmt.Errorf("commit to case %s: %w", b.s.dir, err)
	}
	var next *badger.Txn
	if async {
		// Its snapshot holds everything applied so far; the rest is in
		// flight, and read from p.writes.
		next = b.s.db.NewTransaction(true)
	}
	p := &sentTxn{owner: b, writes: b.writes, done: make(chan struct{})}
	if b.cnt != nil {
		// The cache takes the place counts now, for the next
		// transaction's reads; a failed commit clears it (waitSent).
		b.countersCommitted()
		b.s.counters.sent = p
	}
	lost := &b.s.counters.lost
	b.txn.CommitWith(func(err error) {
		if err != nil {
			lost.Store(true)
		}
		p.err = err
		close(p.done)
	})
	b.txn, b.writes, b.sent = next, map[string]queued{}, p
	b.endCounters()
	b.bytes, b.keys = 0, 0
	if !async {
		if err := b.waitSent(); err != nil {
			return err
		}
	}
	b.s.maybeTrim()
	return nil
}

// waitSent waits for the transaction in flight. When it failed, the place
// counts it left in the cache were never written: the next transaction to
// count clears the cache (beginCounters).
func (b *Batch) waitSent() error {
	p := b.sent
	if p == nil {
		return nil
	}
	<-p.done
	b.sent = nil
	if p.err != nil {
		return fmt.Errorf("commit to case %s: %w", b.s.dir, p.err)
	}
	return nil
}

// Discard drops what is queued. A transaction already in flight is
// waited for, and lands.
func (b *Batch) Discard() {
	if b.txn != nil {
		b.txn.Discard()
		b.txn = nil
	}
	clear(b.writes)
	b.bytes, b.keys = 0, 0
	b.endCounters()
	b.waitSent()
}

// PutEvidence writes an evidence record and its path index.
func (s *Store) PutEvidence(e Evidence) error {
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(keyEvidence(e.ID), v); err != nil {
			return err
		}
		return txn.Set(keyEvidencePath(e.Path), []byte(e.ID))
	})
	if err != nil {
		return fmt.Errorf("write evidence %s: %w", e.ID, err)
	}
	return nil
}

// PutCategory records the current category of a media.
func (s *Store) PutCategory(sha string, c Category) error {
	return s.Update(func(tx *Tx) error { return tx.PutCategory(sha, c) })
}

// DeleteCategory forgets the current category of a media, when the last
// source of it was withdrawn; the assignment history keeps why.
func (s *Store) DeleteCategory(sha string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteCategory(sha) })
}

// set queues one key outside a file record, committing first when full.
func (b *Batch) set(k, v []byte) error {
	size := len(k) + len(v) + 16
	if b.keys > 0 && (b.bytes+size > batchMaxBytes || b.keys+1 > batchMaxKeys) {
		if err := b.commit(true); err != nil {
			return err
		}
	}
	if b.txn == nil {
		b.txn = b.s.db.NewTransaction(true)
	}
	if err := b.put(k, v); err != nil {
		b.Discard()
		return fmt.Errorf("queue %s: %w", printableKey(k), err)
	}
	b.bytes += size
	b.keys++
	return nil
}
