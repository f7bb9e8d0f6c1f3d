package store

import (
	"encoding/binary"
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

	prep *prepared // set by Prepare
}

// prepared is a record's place key and encoded values, made by Prepare.
type prepared struct {
	occKey     string
	occ, media []byte
}

// Prepare encodes the record ahead of Batch.Add, on the caller's
// goroutine: an ingest's analysis workers do it in parallel, and the one
// writer, which all records pass through, only queues the bytes (encoding
// was a fifth of its time on small files). A record changed after Prepare
// must be prepared again.
func (r *FileRecord) Prepare() {
	p := &prepared{occKey: OccurrenceKey(r.Occurrence), occ: encodeOccurrence(&r.Occurrence)}
	if r.Media != nil {
		p.media = encodeMedia(r.Media)
	}
	r.prep = p
}

// Batch groups many files into few transactions. Each file's keys always go
// into one transaction, so a crash leaves every file either fully recorded or
// not at all: the occurrence record, written last, is the proof of completion.
//
// Badger's StreamWriter (sorted tables written straight into the tree)
// does not fit here, read in v4.9.6: PrepareIncremental refuses to run
// while a memtable holds data (any evidence record, audit entry or meta
// write) and Badger exports no way to flush one; it blocks every other
// write of the case until Flush (a decision taken in the workstation
// during an ingest would fail); and it adds each table to the MANIFEST as
// it is written, so a kill mid-window keeps part of a window, its counter
// deltas without all of its places.
type Batch struct {
	s     *Store
	txn   *badger.Txn
	bytes int
	keys  int
	cnt   *counterTxn // counters.go
	spare *counterTxn // the last one, emptied, for the next transaction

	// With pipelined set (Pipeline), a full transaction is committed while
	// the next one fills: flight is the one committing, writes the keys
	// the open one has written (its flight's overlay once committing).
	pipelined bool
	flight    *inflight
	writes    map[string]written
	spare2    map[string]written // a landed flight's, emptied, for reuse
}

// inflight is a transaction handed to Badger and not yet known committed.
// The transaction after it was opened before it was committed, so that
// opening waits for nothing (Badger's new transactions wait for every
// commit under way to land); its snapshot does not hold what the one in
// flight wrote, so reads look at writes first.
type inflight struct {
	done   chan error
	writes map[string]written
}

// written is a key's value as a transaction set it, or its deletion.
type written struct {
	v       []byte
	deleted bool
}

// Pipeline makes the batch commit a full transaction while the next one
// fills, for a single writer that only adds file records (an ingest): the
// writer goroutine then no longer waits for Badger to write each
// transaction. Flush still returns once everything queued is committed.
func (b *Batch) Pipeline() { b.pipelined = true }

// Limits per transaction, well below Badger's own (15 % of a 32 MiB memtable).
const (
	batchMaxBytes = 2 << 20
	batchMaxKeys  = 4000
)

// NewBatch starts a batch; call Flush to commit it.
func (s *Store) NewBatch() *Batch { return &Batch{s: s} }

func (p *prepared) key() string {
	if p == nil {
		return ""
	}
	return p.occKey
}

func (p *prepared) occValue() []byte {
	if p == nil {
		return nil
	}
	return p.occ
}

func (p *prepared) mediaValue() []byte {
	if p == nil {
		return nil
	}
	return p.media
}

// fileValues are a file record's values, encoded: its media (nil when the
// record writes none), thumbnail and place.
type fileValues struct{ media, thumb, place []byte }

func encodeFile(r FileRecord) fileValues {
	var v fileValues
	if m := r.Media; m != nil {
		if v.media = r.prep.mediaValue(); v.media == nil {
			v.media = encodeMedia(m)
		}
		v.thumb = r.Thumb
	}
	if v.place = r.prep.occValue(); v.place == nil {
		v.place = encodeOccurrence(&r.Occurrence)
	}
	return v
}

// size is what the record's keys take in a transaction at most, with its
// index entry (an o/ key, or the first place in front of the media) and
// its place counts.
func (v fileValues) size(sha, occKey string) (bytes, keys int) {
	add := func(k, val int) {
		bytes += k + val + 16
		keys++
	}
	if v.media != nil {
		add(2+len(sha), len(v.media)+len(occKey)+binary.MaxVarintLen64+1)
		if len(v.thumb) > 0 {
			add(2+len(sha), len(v.thumb))
		}
	}
	if sha != "" {
		add(3+len(sha)+len(occKey), 0)
	}
	add(2+len(occKey), len(v.place))
	return bytes, keys
}

// Add queues one file and reports whether its media is new to the case. It
// commits the current transaction first when the file would not fit in it.
// Two workers may analyse the same content at once; only the first record of
// a media is written, so counts and the value log stay exact.
func (b *Batch) Add(r FileRecord) (newMedia bool, err error) {
	o := r.Occurrence
	if r.Media != nil {
		known, err := b.hasMedia(r.Media.SHA256)
		if err != nil {
			return false, fmt.Errorf("store %s: %w", o.Path, err)
		}
		if known {
			r.Media, r.Thumb = nil, nil
		}
	}
	occKey := r.prep.key()
	if r.prep == nil {
		occKey = OccurrenceKey(o)
	}
	vals := encodeFile(r)
	size, keys := vals.size(o.SHA256, occKey)
	if b.txn != nil && (b.bytes+size > batchMaxBytes || b.keys+keys+1 > batchMaxKeys) {
		flush := b.Flush
		if b.pipelined {
			flush = b.flushAhead
		}
		if err := flush(); err != nil {
			return false, err
		}
	}
	if b.txn == nil {
		b.txn = b.s.db.NewTransaction(true)
	}
	// Counting first: it reads what the record replaces and says whether
	// the place is new to the index of its media.
	first, err := b.countRecord(r, occKey)
	if err != nil {
		return false, b.fail(r, err)
	}
	if m := r.Media; m != nil {
		mv := vals.media
		if first {
			mv = mediaValue(occKey, mv)
		}
		if err := b.txnSet(keyMedia(m.SHA256), mv); err != nil {
			return false, b.fail(r, err)
		}
		if len(vals.thumb) > 0 {
			if err := b.txnSet(keyThumb(m.SHA256), vals.thumb); err != nil {
				return false, b.fail(r, err)
			}
		}
	}
	if err := b.txnSet(keyWhere(occKey), vals.place); err != nil {
		return false, b.fail(r, err)
	}
	b.bytes += size
	b.keys += keys + 1
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
	// countRecord needs the media's facts next (its np/ record, or what
	// its media record says when it has none): a duplicate is settled by
	// that one read, kept for the transaction, instead of two.
	b.beginCounters()
	return b.loadFacts(sha)
}

// txnSet and txnDelete write into the open transaction, keeping what they
// wrote when pipelined (the next transaction reads it through get).
func (b *Batch) txnSet(k, v []byte) error {
	if b.pipelined {
		b.written(k, written{v: v})
	}
	return b.txn.Set(k, v)
}

func (b *Batch) txnDelete(k []byte) error {
	if b.pipelined {
		b.written(k, written{deleted: true})
	}
	return b.txn.Delete(k)
}

func (b *Batch) written(k []byte, w written) {
	if b.writes == nil {
		b.writes, b.spare2 = b.spare2, nil
		if b.writes == nil {
			b.writes = make(map[string]written, batchMaxKeys)
		}
	}
	b.writes[string(k)] = w
}

// get reads k as the open transaction sees it after the one in flight.
func (b *Batch) get(k []byte, fn func([]byte) error) (bool, error) {
	if b.flight != nil {
		if w, ok := b.flight.writes[string(k)]; ok {
			if _, mine := b.writes[string(k)]; !mine {
				if w.deleted {
					return false, nil
				}
				return true, fn(w.v)
			}
		}
	}
	return getIn(b.txn, k, fn)
}

// flushAhead hands the full transaction to Badger and opens the next one
// without waiting for it, once the one before it has landed.
func (b *Batch) flushAhead() error {
	if err := b.waitFlight(); err != nil {
		b.Discard()
		return err
	}
	if err := b.s.checkSpace(); err != nil {
		b.Discard()
		return err
	}
	if err := b.commitCounters(); err != nil {
		b.Discard()
		return fmt.Errorf("commit to case %s: %w", b.s.dir, err)
	}
	// Opened before the commit, so that opening does not wait for it.
	next := b.s.db.NewTransaction(true)
	// The counts it commits are known: the next transaction reads them
	// from memory. Should the commit fail, the batch fails with it and
	// the cache is emptied (waitFlight).
	b.countersCommitted()
	f := &inflight{done: make(chan error, 1), writes: b.writes}
	b.txn.CommitWith(func(err error) { f.done <- err })
	b.flight, b.txn, b.writes = f, next, nil
	b.endCounters()
	b.bytes, b.keys = 0, 0
	b.s.noteCommit()
	return nil
}

// waitFlight waits for the transaction in flight to land.
func (b *Batch) waitFlight() error {
	f := b.flight
	if f == nil {
		return nil
	}
	b.flight = nil
	err := <-f.done
	clear(f.writes)
	b.spare2 = f.writes
	if err != nil {
		// The cache holds counts that were never committed.
		if b.cnt == nil {
			b.s.counters.places.Lock()
			defer b.s.counters.places.Unlock()
		}
		b.s.counters.committed.clear()
		return fmt.Errorf("commit to case %s: %w", b.s.dir, err)
	}
	return nil
}

func (b *Batch) fail(r FileRecord, err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		err = fmt.Errorf("record too large for one transaction: %w", err)
	}
	b.Discard()
	return fmt.Errorf("store %s: %w", r.Occurrence.Path, err)
}

// Pending is the number of bytes queued and not yet committed.
func (b *Batch) Pending() int { return b.bytes }

// Flush commits what is queued.
func (b *Batch) Flush() error {
	if err := b.waitFlight(); err != nil {
		b.Discard()
		return err
	}
	b.writes = nil
	if b.txn == nil {
		return nil
	}
	err := b.s.checkSpace()
	if err != nil {
		b.Discard()
		return err
	}
	err = b.commitCounters()
	if err == nil {
		if err = b.txn.Commit(); err == nil {
			b.countersCommitted()
		}
	} else {
		b.txn.Discard()
	}
	b.txn = nil
	b.endCounters()
	b.bytes, b.keys = 0, 0
	if err != nil {
		return fmt.Errorf("commit to case %s: %w", b.s.dir, err)
	}
	b.s.noteCommit()
	return nil
}

// Discard drops what is queued (a transaction already in flight lands).
func (b *Batch) Discard() {
	if b.txn != nil {
		b.txn.Discard()
		b.txn = nil
	}
	b.writes = nil
	b.bytes, b.keys = 0, 0
	_ = b.waitFlight() // the batch is being dropped: its error goes with it
	b.endCounters()
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
	if b.txn != nil && (b.bytes+size > batchMaxBytes || b.keys+1 > batchMaxKeys) {
		if err := b.Flush(); err != nil {
			return err
		}
	}
	if b.txn == nil {
		b.txn = b.s.db.NewTransaction(true)
	}
	if err := b.txn.Set(k, v); err != nil {
		b.Discard()
		return fmt.Errorf("queue %s: %w", printableKey(k), err)
	}
	b.bytes += size
	b.keys++
	return nil
}
