package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Counters keep the `scrim stats` counts as the case is written, so reading
// them costs nothing like a scan of millions of places. Keys:
//
//	np/<sha256>          facts of one media and its places per evidence item
//	cnt/base             Counts per evidence item ("" is the whole case)
//	cnt/d/<stamp>        what one committed transaction added to them
//	meta/counters        "1" once the case keeps counters
//
// Every transaction that writes places adds its own delta key instead of
// rewriting one shared counter: deltas are blind writes, so nothing a
// concurrent transaction commits (Badger here runs without conflict
// detection) can be lost. Reading sums the base and the deltas; folding
// moves deltas into the base now and then.
const (
	counterBase     = "cnt/base"
	counterDeltas   = "cnt/d/"
	placeCounts     = "np/"
	countersMeta    = "counters"
	countersVersion = "1"
	// foldAbove is how many deltas a read tolerates before folding them.
	foldAbove = 256
)

// counterState is the part of a Store that keeps its counters.
type counterState struct {
	// places serialises the transactions that rewrite np/ records (ingest
	// batches); one runs at a time anyway, this makes it a rule.
	places sync.Mutex
	fold   sync.Mutex
	seq    atomic.Uint64
	// committed holds np/ records as last committed, guarded by places:
	// a duplicate's record is then read from memory, not the store.
	committed factsCache
}

// factsCache keeps the committed np/ records of the media written or read
// most recently, encoded as stored, in two generations of at most
// factsCacheMax each: when the newer fills, the older is dropped, so what
// is found again often stays. Only Batch writes np/ records (and
// RebuildCounters, which clears the cache), all under counterState.places,
// so the copy stays exact.
type factsCache struct{ newer, older map[string][]byte }

// factsCacheMax bounds one generation: about 8 MB for both at 32 k records.
const factsCacheMax = 32 << 10

// get returns the committed record of sha, when cached.
func (c *factsCache) get(sha string) (mediaFacts, bool) {
	v, ok := c.newer[sha]
	if !ok {
		if v, ok = c.older[sha]; !ok {
			return mediaFacts{}, false
		}
		c.newer[sha] = v // found again: kept a generation longer
	}
	f, err := decodeFacts(v)
	return f, err == nil
}

// put records f, encoded as stored, as committed.
func (c *factsCache) put(sha string, encoded []byte) {
	if c.newer == nil || len(c.newer) >= factsCacheMax {
		// Sized whole at once: grown from small, its rehashing was a
		// visible part of an ingest's writer.
		c.older, c.newer = c.newer, make(map[string][]byte, factsCacheMax)
	}
	c.newer[sha] = encoded
}

func (c *factsCache) clear() { c.newer, c.older = nil, nil }

// countDelta is what one transaction changes, per evidence item; "" is the
// whole case.
type countDelta map[string]*Counts

func (d countDelta) at(ev string) *Counts {
	c := d[ev]
	if c == nil {
		c = &Counts{}
		d[ev] = c
	}
	return c
}

// addPlace counts (sign +1) or uncounts (-1) one occurrence in ev and the case.
func (d countDelta) addPlace(ev string, o Occurrence, sign int64) {
	for _, c := range []*Counts{d.at(""), d.at(ev)} {
		c.Occurrences += sign
		c.Bytes += sign * o.Size
		if o.Error != "" {
			c.Errors += sign
		}
		switch {
		case o.Embedded:
			c.Embedded += sign
		case o.Carved:
			c.Carved += sign
		case o.Deleted:
			c.Deleted += sign
		default:
			c.Live += sign
		}
	}
}

// addMedia counts (+1) or uncounts (-1) one unique media under key ev.
func (d countDelta) addMedia(ev string, f mediaFacts, sign int64) {
	c := d.at(ev)
	c.Unique += sign
	c.UniqueBytes += sign * f.Size
	switch f.Kind {
	case "picture":
		c.Pictures += sign
	case "video":
		c.Videos += sign
	default:
		c.Other += sign
	}
	if f.Error {
		c.Errors += sign
	}
}

func (c *Counts) plus(o Counts) {
	c.Occurrences += o.Occurrences
	c.Unique += o.Unique
	c.Pictures += o.Pictures
	c.Videos += o.Videos
	c.Other += o.Other
	c.Errors += o.Errors
	c.Bytes += o.Bytes
	c.UniqueBytes += o.UniqueBytes
	c.Live += o.Live
	c.Deleted += o.Deleted
	c.Carved += o.Carved
	c.Embedded += o.Embedded
}

// counterTxn is the counting side of one Batch transaction.
type counterTxn struct {
	delta countDelta
	facts map[string]mediaFacts // np/ records read or changed in this transaction
	// written holds the np/ values queued in this transaction, as
	// encoded for it: the cache keeps them after commit without encoding
	// every record a second time (2 % of a small-file ingest's CPU).
	written map[string][]byte
}

// countRecord updates the counters for one file record about to be written
// in txn: it reads what the record replaces (the place's earlier record, the
// index entries that exist) so re-ingest and resume never count twice. It
// also keeps the index of places (firstplace.go): it says whether the place
// is the first of a media the record writes, which then holds it, and
// otherwise sets the place's o/ key when the place is new to the index.
func (b *Batch) countRecord(r FileRecord, occKey string) (first bool, err error) {
	b.beginCounters()
	o := r.Occurrence
	ev, flag := placeOfOccurrenceKey(occKey) // as the index entries say, like recount
	var old Occurrence
	hadOld := false
	if !b.s.fresh.firstWrite(o.Evidence, occKey) {
		var err error
		if hadOld, err = b.get(keyWhere(occKey), func(v []byte) error { return decodeOccurrence(v, &old) }); err != nil {
			return false, fmt.Errorf("read earlier record: %w", err)
		}
	}
	if hadOld {
		b.cnt.delta.addPlace(old.Evidence, old, -1)
	}
	b.cnt.delta.addPlace(o.Evidence, o, +1)

	// The content the place held before, when it changed. Its facts are
	// read first: a media without an np/ record has them from the first
	// place its record holds, which unindex may clear.
	if prev := r.PreviousSHA256; prev != "" && prev != o.SHA256 {
		if _, err := b.loadFacts(prev); err != nil {
			return false, err
		}
		if gone, err := b.unindex(prev, occKey); err != nil {
			return false, err
		} else if gone {
			if err := b.movePlace(prev, ev, flag, -1, nil, false); err != nil {
				return false, err
			}
		}
	}
	if o.SHA256 == "" {
		return false, nil
	}
	// A place first recorded has no index entry yet: the occurrence record
	// and its entry are written in one transaction.
	isNew := !hadOld
	if hadOld {
		found, err := b.indexed(o.SHA256, occKey)
		if err != nil {
			return false, err
		}
		isNew = !found
	}
	if !isNew {
		return false, nil
	}
	first = r.Media != nil && r.Media.SHA256 == o.SHA256
	if !first {
		if err := b.txnSet(keyOccIndex(o.SHA256, occKey), nil); err != nil {
			return false, err
		}
	}
	return first, b.movePlace(o.SHA256, ev, flag, +1, r.Media, first)
}

// movePlace adds (+1) or removes (-1) one indexed place of media sha in ev,
// and counts the media in or out of ev and the case when that was its first
// or last place there. first says the place is the first place of a new
// media m, which its record holds: an unreviewed media found there alone
// then gets no np/ record (placecounts.go).
func (b *Batch) movePlace(sha, ev, flag string, sign int64, m *Media, first bool) error {
	f, ok := b.cnt.facts[sha]
	if !ok {
		f, ok = b.s.counters.committed.get(sha)
	}
	if !ok && m != nil && sign > 0 {
		// A media Add found in neither the store nor the transaction has
		// no place counts either: they are only kept beside a media record.
		f, ok = factsOf(*m), true
	}
	if !ok {
		var err error
		if f, ok, err = b.storedFacts(sha); err != nil {
			return err
		}
		if !ok {
			if m == nil {
				return nil // counted like Stats: a place without a media record is no media
			}
			f = factsOf(*m)
		}
	}
	before, beforeEv := f.total(), f.Places[ev].Total()
	p := f.Places[ev]
	p.add(flag, sign)
	f.Places[ev] = p
	if p.Total() <= 0 {
		delete(f.Places, ev)
	}
	after, afterEv := f.total(), f.Places[ev].Total()
	switch {
	case beforeEv == 0 && afterEv > 0:
		b.cnt.delta.addMedia(ev, f, +1)
	case beforeEv > 0 && afterEv == 0:
		b.cnt.delta.addMedia(ev, f, -1)
	}
	switch {
	case before == 0 && after > 0:
		b.cnt.delta.addMedia("", f, +1)
	case before > 0 && after == 0:
		b.cnt.delta.addMedia("", f, -1)
	}
	b.cnt.facts[sha] = f
	k := []byte(placeCounts + sha)
	if after == 0 {
		// Only media found somewhere have a record: scans of np/ list
		// exactly them.
		delete(b.cnt.written, sha)
		b.bytes += len(k) + 16
		b.keys++
		return b.txnDelete(k)
	}
	if first && sign > 0 && after == 1 && !reviewed(f.Kind) {
		return nil // its record's first place says it all
	}
	v := f.encode()
	b.cnt.written[sha] = v
	b.bytes += len(k) + len(v) + 16
	b.keys++
	return b.txnSet(k, v)
}

// loadFacts puts the facts of media sha, as the transaction sees them,
// among the transaction's own and says whether the media is recorded.
// The transaction's facts are only ever those of a media stored or queued.
func (b *Batch) loadFacts(sha string) (bool, error) {
	if _, ok := b.cnt.facts[sha]; ok {
		return true, nil
	}
	f, ok := b.s.counters.committed.get(sha)
	if !ok {
		var err error
		if f, ok, err = b.storedFacts(sha); err != nil || !ok {
			return false, err
		}
	}
	b.cnt.facts[sha] = f
	return true, nil
}

// storedFacts reads the facts of media sha as the open transaction sees
// them: its np/ record or, for a media without one, what its media record
// and the first place that holds say (placecounts.go). ok is false when
// the media is not recorded.
func (b *Batch) storedFacts(sha string) (f mediaFacts, ok bool, err error) {
	ok, err = b.get([]byte(placeCounts+sha), func(v []byte) error {
		var err error
		f, err = decodeFacts(v)
		return err
	})
	if err != nil {
		return f, false, fmt.Errorf("place counts of %s: %w", sha, err)
	}
	if ok {
		return f, true, nil
	}
	ok, err = b.get(keyMedia(sha), func(v []byte) error {
		var err error
		f, err = factsOfMediaValue(v)
		return err
	})
	if err != nil {
		return f, false, fmt.Errorf("media %s: %w", sha, err)
	}
	return f, ok, nil
}

func (b *Batch) exists(k []byte) (bool, error) {
	found, err := b.get(k, func([]byte) error { return nil })
	if err != nil {
		return false, fmt.Errorf("read %s: %w", printableKey(k), err)
	}
	return found, nil
}

// commitCounters writes the transaction's delta into it, just before commit.
func (b *Batch) commitCounters() error {
	if b.cnt == nil || len(b.cnt.delta) == 0 {
		return nil
	}
	v, err := json.Marshal(b.cnt.delta)
	if err != nil {
		return err
	}
	return b.txn.Set(b.s.deltaKey(), v)
}

// beginCounters opens the counting side of the transaction, once. The
// maps of the batch's last transaction are reused: grown again from empty
// for each transaction of thousands of files, they cost more in rehashing
// than in use.
func (b *Batch) beginCounters() {
	if b.cnt == nil {
		b.s.counters.places.Lock()
		if c := b.spare; c != nil {
			b.cnt, b.spare = c, nil
			return
		}
		b.cnt = &counterTxn{delta: countDelta{}, facts: map[string]mediaFacts{}, written: map[string][]byte{}}
	}
}

// countersCommitted keeps the np/ records of a committed transaction in the
// cache, before endCounters. A media left with no place has no record
// any more: it is read from the store again if found again.
func (b *Batch) countersCommitted() {
	if b.cnt != nil {
		for sha, f := range b.cnt.facts {
			if v, ok := b.cnt.written[sha]; ok {
				b.s.counters.committed.put(sha, v)
			} else if f.total() > 0 {
				b.s.counters.committed.put(sha, f.encode())
			}
		}
	}
}

// endCounters closes the counting side of a transaction, committed or not.
func (b *Batch) endCounters() {
	if b.cnt != nil {
		clear(b.cnt.delta)
		clear(b.cnt.facts)
		clear(b.cnt.written)
		b.cnt, b.spare = nil, b.cnt
		b.s.counters.places.Unlock()
	}
}

func (s *Store) deltaKey() []byte {
	return fmt.Appendf(nil, "%s%016x%08x", counterDeltas, time.Now().UnixNano(), s.counters.seq.Add(1)&0xffffffff)
}

// readCounters sums the base and the deltas. ok is false when the case keeps
// no counters (made by an older Scrim).
func (s *Store) readCounters() (map[string]Counts, int, bool, error) {
	out := map[string]Counts{}
	deltas := 0
	on := false
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if on, err = getIn(txn, []byte("meta/"+countersMeta), func([]byte) error { return nil }); err != nil || !on {
			return err
		}
		add := func(v []byte) error {
			var d map[string]Counts
			if err := json.Unmarshal(v, &d); err != nil {
				return err
			}
			for ev, c := range d {
				sum := out[ev]
				sum.plus(c)
				out[ev] = sum
			}
			return nil
		}
		if _, err := getIn(txn, []byte(counterBase), add); err != nil {
			return fmt.Errorf("read %s: %w", counterBase, err)
		}
		return scanIn(txn, counterDeltas, func(_, v []byte) error {
			deltas++
			s.releaseDeltaPages(deltas)
			return add(v)
		})
	})
	if err != nil {
		return nil, 0, false, fmt.Errorf("read counters: %w", err)
	}
	return out, deltas, on, nil
}

// foldCounters moves the deltas into the base. Writers only ever add new
// delta keys, so folding the ones read here loses nothing they commit
// meanwhile.
func (s *Store) foldCounters() error {
	s.counters.fold.Lock()
	defer s.counters.fold.Unlock()
	for {
		done := true
		err := s.db.Update(func(txn *badger.Txn) error {
			base := map[string]Counts{}
			if _, err := getIn(txn, []byte(counterBase), func(v []byte) error { return json.Unmarshal(v, &base) }); err != nil {
				return err
			}
			var keys [][]byte
			err := scanIn(txn, counterDeltas, func(k, v []byte) error {
				var d map[string]Counts
				if err := json.Unmarshal(v, &d); err != nil {
					return err
				}
				for ev, c := range d {
					sum := base[ev]
					sum.plus(c)
					base[ev] = sum
				}
				keys = append(keys, append([]byte(nil), k...))
				s.releaseDeltaPages(len(keys))
				if len(keys) == 4000 { // stay well inside one transaction
					done = false
					return ErrStop
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			v, err := json.Marshal(base)
			if err != nil {
				return err
			}
			return txn.Set([]byte(counterBase), v)
		})
		if err != nil {
			return fmt.Errorf("fold counters: %w", err)
		}
		if done {
			return nil
		}
	}
}

// ensureCounters gives an older case its counters, once: a full recount
// stored as the base, and the place counts of every media. A new case just
// starts with none.
func (s *Store) ensureCounters() error {
	on, err := s.Meta(countersMeta)
	if err != nil || on != "" {
		return err
	}
	empty := true
	if err := s.ScanKeys("w/", func([]byte) error { empty = false; return ErrStop }); err != nil {
		return err
	}
	if empty {
		return s.SetMeta(countersMeta, countersVersion)
	}
	return s.RebuildCounters()
}

// RebuildCounters recounts the whole case and replaces its counters with
// the result. It must not run beside an ingest of the same case.
func (s *Store) RebuildCounters() error {
	s.counters.places.Lock()
	defer s.counters.places.Unlock()
	s.counters.committed.clear()
	s.counters.fold.Lock()
	defer s.counters.fold.Unlock()
	if err := s.dropPrefixes("np/", "cnt/"); err != nil {
		return err
	}
	per, err := s.recount()
	if err != nil {
		return err
	}
	b := s.NewBatch()
	err = s.eachMediaPlaceCounts(func(sha string, f mediaFacts) error {
		return b.set([]byte(placeCounts+sha), f.encode())
	})
	if err != nil {
		b.Discard()
		return fmt.Errorf("rebuild counters: %w", err)
	}
	if err := b.Flush(); err != nil {
		return err
	}
	v, err := json.Marshal(per)
	if err != nil {
		return err
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte(counterBase), v); err != nil {
			return err
		}
		return txn.Set([]byte("meta/"+countersMeta), []byte(countersVersion))
	})
	if err != nil {
		return fmt.Errorf("store counters: %w", err)
	}
	return nil
}

func (s *Store) dropPrefixes(prefixes ...string) error {
	for _, p := range prefixes {
		var keys [][]byte
		if err := s.ScanKeys(p, func(k []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil }); err != nil {
			return err
		}
		for len(keys) > 0 {
			n := min(len(keys), 4000)
			err := s.db.Update(func(txn *badger.Txn) error {
				for _, k := range keys[:n] {
					if err := txn.Delete(k); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("clear %s: %w", p, err)
			}
			keys = keys[n:]
		}
	}
	return nil
}

// eachMediaPlaceCounts merge-joins m/ (with the first place each holds)
// with o/ and gives the place counts of every media found somewhere.
func (s *Store) eachMediaPlaceCounts(fn func(string, mediaFacts) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		mo := badger.DefaultIteratorOptions
		mo.Prefix = []byte("m/")
		mi := txn.NewIterator(mo)
		defer mi.Close()
		oo := badger.DefaultIteratorOptions
		oo.Prefix = []byte("o/")
		oo.PrefetchValues = false
		oi := txn.NewIterator(oo)
		defer oi.Close()
		oi.Seek(oo.Prefix)
		for mi.Seek(mo.Prefix); mi.ValidForPrefix(mo.Prefix); mi.Next() {
			sha := string(mi.Item().Key()[2:])
			places := map[string]Places{}
			var m Media
			first, err := readMediaItem(mi.Item(), &m)
			if err != nil {
				return err
			}
			if first != "" {
				ev, flag := placeOfOccurrenceKey(first)
				p := places[ev]
				p.add(flag, 1)
				places[ev] = p
			}
			for ; oi.ValidForPrefix(oo.Prefix); oi.Next() {
				osha, occ, _ := strings.Cut(string(oi.Item().Key()[2:]), "/")
				if osha > sha {
					break
				}
				if osha == sha {
					ev, flag := placeOfOccurrenceKey(occ)
					p := places[ev]
					p.add(flag, 1)
					places[ev] = p
				}
			}
			if len(places) == 0 {
				continue
			}
			f := factsOf(m)
			f.Places = places
			if err := fn(sha, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// CounterMismatch compares the kept counters with a full recount and says
// where they differ; "" when they agree.
func (s *Store) CounterMismatch() (string, error) {
	kept, _, ok, err := s.readCounters()
	if err != nil {
		return "", err
	}
	if !ok {
		return "the case keeps no counters", nil
	}
	full, err := s.recount()
	if err != nil {
		return "", err
	}
	var diffs []string
	for ev := range merged(kept, full) {
		if kept[ev] != full[ev] {
			name := ev
			if name == "" {
				name = "case"
			}
			diffs = append(diffs, fmt.Sprintf("%s: kept %+v, recounted %+v", name, kept[ev], full[ev]))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; "), nil
}

func merged(a, b map[string]Counts) map[string]bool {
	out := map[string]bool{}
	for k, c := range a {
		if c != (Counts{}) {
			out[k] = true
		}
	}
	for k, c := range b {
		if c != (Counts{}) {
			out[k] = true
		}
	}
	return out
}
