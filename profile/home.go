// Package profile is the workstation's own store, apart from any case:
// examiner and supervisor profiles, exposure events, the supervisor's
// exposure policy, breaks, review records and a tamper-evident audit chain.
// It lives in one Badger database in $SCRIM_HOME (default ~/.scrim).
//
// Key layout:
//
//	meta/format, meta/clock, meta/policy, meta/seq   facts and counters
//	u/<name>                                         Profile (with its PIN hash)
//	p/<name>                                         Preferences of that profile
//	meta/recent                                      recent cases, latest first
//	x/<examiner>/<start, 16 hex ns>/<seq>            Event (exposure); the ID is the part after x/
//	xo/<id>                                          empty; marks an exposure still open
//	b/<examiner>/<start, 16 hex ns>/<seq>            Break
//	r/<examiner>/<at, 16 hex ns>/<seq>               Review
//	a/<seq, 16 hex>, meta/audit_head                 audit chain (store.AuditChain)
package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"scrim/store"
)

const formatVersion = "1"

// DefaultClockTolerance is how far the clock may read behind the latest
// time already seen before it counts as moved backwards.
const DefaultClockTolerance = 2 * time.Minute

var (
	// ErrLocked means another process has the workstation store open.
	ErrLocked = errors.New("the workstation profile store is in use by another scrim process")
	// ErrNotFound means no record has that name or ID.
	ErrNotFound = errors.New("not found")
)

// Options tune a Home. The zero value reads the system clock in local time.
type Options struct {
	Clock func() time.Time // nil: time.Now
	// Location is where days start and end for limits and figures (nil: time.Local).
	Location *time.Location
	// ClockTolerance: see DefaultClockTolerance (0: the default).
	ClockTolerance time.Duration
	// Lockout is how long sign-in is refused after 5 wrong PINs (0: 1 minute).
	Lockout time.Duration
	// Lab, when set, is the unit's shared server (package lab): profiles
	// and the policy live there instead of this store, and exposure,
	// breaks, reviews and audit entries are sent there after they are
	// written here. The Home owns it and closes it.
	Lab Lab
	// LabURL names the lab when Lab is nil ("" = the URL saved in this
	// store's settings, if any); ConnectLab opens it. Without either,
	// everything stays in this store, as it always has.
	LabURL     string
	ConnectLab func(url string) (Lab, error)
	// PINCost is the argon2id cost of new PIN hashes (zero: the default).
	PINCost PINCost
}

// Home is an open workstation store. Its methods are safe for concurrent use.
type Home struct {
	db  *badger.DB
	dir string
	opt Options

	chain  *store.AuditChain // the workstation audit log; its Update is the only writer
	people People            // nil: profiles and policy live in db

	// With a lab (all zero without one).
	lab        Lab
	wsid       string // this store's ID in the lab
	health     labHealth
	wakeSender chan struct{}
	stopSender chan struct{}
	senderDone chan struct{}
	sendMu     sync.Mutex // one outbox send at a time
	polMu      sync.Mutex
	pol        Policy    // the lab's policy as last read
	polAt      time.Time // when; zero: never or stale

	mu       sync.Mutex // serializes writes and guards the fields below
	lastSeen time.Time  // latest wall time seen (persisted in meta/clock)
	behind   bool       // the clock reads earlier than lastSeen - tolerance
}

// DefaultHome is $SCRIM_HOME, or ~/.scrim.
func DefaultHome() string {
	if d := os.Getenv("SCRIM_HOME"); d != "" {
		return d
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".scrim")
	}
	return ".scrim"
}

// Open opens (creating if needed) the workstation store in dir. Exposures
// left open by a process that died are closed as interrupted, and the clock
// is checked against the latest time seen.
// The Home owns opt.Lab from here on, also when Open fails.
func Open(dir string, opt Options) (_ *Home, err error) {
	owned := opt.Lab // the lab to close if Open fails
	defer func() {
		if err != nil && owned != nil {
			owned.Close()
		}
	}()
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Location == nil {
		opt.Location = time.Local
	}
	if opt.ClockTolerance <= 0 {
		opt.ClockTolerance = DefaultClockTolerance
	}
	if opt.Lockout <= 0 {
		opt.Lockout = time.Minute
	}
	opt.PINCost = opt.PINCost.withDefault()
	if err := opt.PINCost.check(); err != nil {
		return nil, fmt.Errorf("workstation store %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("workstation store %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create workstation store %s: %w", dir, err)
	}
	bo := badger.DefaultOptions(abs).
		WithLogger(nil).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueLogFileSize(64 << 20).
		WithSyncWrites(true) // an exposure is on disk before it is shown
	db, err := badger.Open(bo)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("workstation store %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open workstation store %s: %w", dir, err)
	}
	h := &Home{db: db, dir: abs, opt: opt, chain: store.NewAuditChain("a/", "meta/audit_head")}
	err = h.joinLab()
	owned = h.opt.Lab
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := h.init(); err != nil {
		db.Close()
		return nil, err
	}
	if h.lab != nil {
		h.wakeSender, h.stopSender, h.senderDone = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go h.runSender(h.stopSender, h.senderDone)
	}
	return h, nil
}

// joinLab connects the lab named by the options or this store's settings.
func (h *Home) joinLab() error {
	// The saved URL's file copy, for command-line runs while this process
	// holds the store.
	if saved, err := h.LabURL(); err != nil {
		return err
	} else if err := h.writeLabURLFile(saved); err != nil {
		return err
	}
	l := h.opt.Lab
	if l == nil && h.opt.ConnectLab != nil {
		url := h.opt.LabURL
		if url == "" {
			var err error
			if url, err = h.LabURL(); err != nil {
				return err
			}
		}
		if url != "" {
			var err error
			if l, err = h.opt.ConnectLab(url); err != nil {
				return err
			}
			h.opt.Lab = l // owned from here on
		}
	}
	if l == nil {
		return nil
	}
	h.lab, h.people = l, l
	return h.workstationID()
}

// Dir is the store's directory.
func (h *Home) Dir() string { return h.dir }

// Close flushes and closes the store.
func (h *Home) Close() error {
	if h.stopSender != nil {
		close(h.stopSender)
		<-h.senderDone
	}
	if h.opt.Lab != nil {
		h.opt.Lab.Close()
	}
	if err := h.db.Close(); err != nil {
		return fmt.Errorf("close workstation store %s: %w", h.dir, err)
	}
	return nil
}

func (h *Home) init() error {
	var format string
	var last time.Time
	err := h.db.View(func(txn *badger.Txn) error {
		if _, err := getJSON(txn, "meta/format", &format); err != nil {
			return err
		}
		_, err := getJSON(txn, "meta/clock", &last)
		return err
	})
	if err != nil {
		return fmt.Errorf("read workstation store %s: %w", h.dir, err)
	}
	if format != "" && format != formatVersion {
		return fmt.Errorf("workstation store %s has format %s; this scrim reads format %s", h.dir, format, formatVersion)
	}
	h.lastSeen = last
	return h.write(func(w *wtx) error {
		if format == "" {
			if err := w.setJSON("meta/format", formatVersion); err != nil {
				return err
			}
		}
		return h.closeInterrupted(w)
	})
}

// wtx is one write transaction with the clock reading taken for it.
type wtx struct {
	txn     *badger.Txn
	chain   *store.AuditChain
	now     time.Time
	suspect bool // the clock is behind the latest time seen
	// resetClock makes now the latest time seen (a supervisor's ResetClock).
	resetClock bool
	// people reads and writes profiles and the policy (writePeople only).
	people PeopleTx
	// outbox: records written go to the lab too; queued: some were.
	outbox, queued bool
}

func (w *wtx) setJSON(key string, v any) error { return setJSON(w.txn, key, v) }

func (w *wtx) audit(actor, action string, detail map[string]string) error {
	if w.suspect {
		if detail == nil {
			detail = map[string]string{}
		}
		detail["clock_suspect"] = "true"
	}
	e, err := w.chain.AppendTxn(w.txn, actor, action, detail, w.now)
	if err != nil {
		return err
	}
	return w.queue("a", seqKey(e.Seq))
}

// nextSeq hands out the store-wide record number.
func (w *wtx) nextSeq() (uint64, error) {
	var n uint64
	if _, err := getJSON(w.txn, "meta/seq", &n); err != nil {
		return 0, err
	}
	n++
	return n, w.setJSON("meta/seq", n)
}

// write runs fn in one serialized transaction. It reads the clock once,
// notices a clock that moved backwards (auditing it once per episode) and
// persists the latest time seen.
func (h *Home) write(fn func(w *wtx) error) error { return h.writeWith(nil, fn) }

// peopleTimeout bounds one round of work with the lab.
const peopleTimeout = 15 * time.Second

// writePeople is write with profiles and the policy at hand in w.people:
// in this store's own transaction, or inside a lab transaction that
// commits only if the local write did.
func (h *Home) writePeople(fn func(w *wtx) error) error {
	if h.people == nil {
		return h.write(fn)
	}
	ctx, cancel := context.WithTimeout(context.Background(), peopleTimeout)
	defer cancel()
	return h.people.UpdatePeople(ctx, func(ptx PeopleTx) error { return h.writeWith(ptx, fn) })
}

// viewPeople reads profiles and the policy.
func (h *Home) viewPeople(fn func(PeopleTx) error) error {
	if h.people == nil {
		return h.view(func(txn *badger.Txn) error { return fn(badgerPeople{txn}) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), peopleTimeout)
	defer cancel()
	return h.people.UpdatePeople(ctx, fn)
}

func (h *Home) writeWith(people PeopleTx, fn func(w *wtx) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.opt.Clock()
	behind := !h.lastSeen.IsZero() && now.Before(h.lastSeen.Add(-h.opt.ClockTolerance))
	last := h.lastSeen
	if now.After(last) {
		last = now
	}
	w := &wtx{chain: h.chain, now: now, suspect: behind, outbox: h.lab != nil}
	// h.mu already makes this the only writer; the chain's Update is what
	// lets its appends through.
	err := h.chain.Update(h.db, func(txn *badger.Txn) error {
		w.txn = txn
		w.people = people
		if h.people == nil {
			w.people = badgerPeople{txn}
		}
		switch {
		case behind && !h.behind:
			if err := w.audit("workstation", "clock-moved-backwards", map[string]string{
				"clock": fmtTime(now), "last_seen": fmtTime(h.lastSeen), "behind_by": h.lastSeen.Sub(now).Round(time.Second).String(),
			}); err != nil {
				return err
			}
		case !behind && h.behind:
			if err := w.audit("workstation", "clock-caught-up", map[string]string{"clock": fmtTime(now)}); err != nil {
				return err
			}
		}
		if err := fn(w); err != nil {
			return err
		}
		if w.resetClock {
			last, behind = now, false
		}
		if !last.Equal(h.lastSeen) {
			return w.setJSON("meta/clock", last)
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.lastSeen, h.behind = last, behind
	if w.queued {
		h.wake()
	}
	return nil
}

// decisionNow is the time limits are judged at: the clock, or the latest
// time seen if the clock reads earlier, so setting the clock back does not
// hand out a fresh hour or day of reveal time.
func (h *Home) decisionNow() time.Time {
	now := h.opt.Clock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lastSeen.After(now) {
		return h.lastSeen
	}
	return now
}

// ClockBehind reports whether the clock reads earlier than the latest time
// seen (beyond the tolerance), and that time.
func (h *Home) ClockBehind() (bool, time.Time) {
	now := h.opt.Clock()
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.lastSeen.IsZero() && now.Before(h.lastSeen.Add(-h.opt.ClockTolerance)), h.lastSeen
}

// ResetClock accepts the clock's current reading as the latest time seen,
// after a supervisor has checked it (for example when the clock had been
// set in the future and was corrected). Needs a supervisor and their PIN.
func (h *Home) ResetClock(s *Session, pin string) error {
	if err := h.check(s, RoleSupervisor); err != nil {
		return fmt.Errorf("reset clock: %w", err)
	}
	var outcome error
	err := h.writePeople(func(w *wtx) error {
		var err error
		if _, outcome, err = h.authenticate(w, s.Name, pin, "pin-check"); err != nil || outcome != nil {
			return err
		}
		w.resetClock = true
		return w.audit(s.Name, "clock-reset", map[string]string{"clock": fmtTime(w.now), "last_seen": fmtTime(h.lastSeen)})
	})
	if err != nil {
		return fmt.Errorf("reset clock: %w", err)
	}
	if outcome != nil {
		return fmt.Errorf("reset clock: %w", outcome)
	}
	return nil
}

func (h *Home) view(fn func(txn *badger.Txn) error) error { return h.db.View(fn) }

// getJSON decodes key into dst; found is false when the key is absent.
func getJSON(txn *badger.Txn, key string, dst any) (bool, error) {
	it, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	if err := it.Value(func(v []byte) error { return json.Unmarshal(v, dst) }); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

// scan calls fn for each key in [from, to) under prefix (to "" = prefix end).
func scan(txn *badger.Txn, prefix, from, to string, fn func(k string, v []byte) error) error {
	opt := badger.DefaultIteratorOptions
	opt.Prefix = []byte(prefix)
	it := txn.NewIterator(opt)
	defer it.Close()
	if from == "" {
		from = prefix
	}
	for it.Seek([]byte(from)); it.ValidForPrefix(opt.Prefix); it.Next() {
		k := string(it.Item().Key())
		if to != "" && k >= to {
			break
		}
		if err := it.Item().Value(func(v []byte) error { return fn(k, v) }); err != nil {
			return fmt.Errorf("at %s: %w", k, err)
		}
	}
	return nil
}

// timeKey orders times in keys; times before 1970 sort first.
func timeKey(t time.Time) string {
	switch {
	case t.Year() < 1970:
		return fmt.Sprintf("%016x", 0)
	case t.Year() > 2261:
		return fmt.Sprintf("%016x", uint64(1<<63-1))
	}
	return fmt.Sprintf("%016x", uint64(t.UnixNano()))
}

func seqKey(n uint64) string { return fmt.Sprintf("%016x", n) }

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
