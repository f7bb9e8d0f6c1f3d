package profile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"scrim/store"
)

// With a lab, every exposure (once ended), break, review and audit entry
// is written here first and its key queued in the outbox:
//
//	q/x/<event id>, q/b/<break id>, q/r/<review id>   → the record at x/, b/, r/
//	q/a/<seq, 16 hex>                                 → audit entry a/<seq>
//	meta/workstation                                  this store's ID in the lab
//
// A background sender sends the queue to the lab and drops each entry once
// the lab has it, unless the record changed meanwhile (then it goes again).

const (
	// labReadTimeout bounds a lab read on a path the examiner waits for.
	labReadTimeout = time.Second
	// sendBatch is how many records go to the lab in one transaction.
	sendBatch = 500
	// resendMax is the longest wait between attempts while the lab is away.
	resendMax = 5 * time.Second
	// finalSend is how long Close waits for the outbox to drain.
	finalSend = 5 * time.Second
	// gather is how long the sender lets records gather after a wake-up,
	// so a run of quick decisions goes in one lab transaction.
	gather = 250 * time.Millisecond
)

// labHealth tracks whether the lab answers. Its own lock: it is noted
// from lab calls made without h.mu.
type labHealth struct {
	mu        sync.Mutex
	downSince time.Time // first failure since the last success; zero: up
	lastErr   error
}

func (l *labHealth) note(err error, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.downSince, l.lastErr = time.Time{}, nil
		return
	}
	if l.downSince.IsZero() {
		l.downSince = now
	}
	l.lastErr = err
}

func (l *labHealth) state() (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.downSince, l.lastErr
}

// LabState is what the workstation knows about its lab.
type LabState struct {
	Joined    bool      // this workstation uses a lab
	Up        bool      // the last call to it succeeded
	DownSince time.Time // when it stopped answering
	LastError string
	Pending   int // records in the outbox
}

// LabState reports the lab's health and the outbox's size.
func (h *Home) LabState() (LabState, error) {
	if h.lab == nil {
		return LabState{}, nil
	}
	down, err := h.health.state()
	st := LabState{Joined: true, Up: down.IsZero(), DownSince: down}
	if err != nil {
		st.LastError = err.Error()
	}
	verr := h.view(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.PrefetchValues = false
		opt.Prefix = []byte("q/")
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			st.Pending++
		}
		return nil
	})
	return st, verr
}

// workstationID reads (or makes) this store's ID in the lab.
func (h *Home) workstationID() error {
	var id string
	err := h.view(func(txn *badger.Txn) error {
		_, err := getJSON(txn, "meta/workstation", &id)
		return err
	})
	if err != nil {
		return fmt.Errorf("read workstation ID: %w", err)
	}
	if id == "" {
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("workstation ID: %w", err)
		}
		id = hex.EncodeToString(b)
		if err := h.db.Update(func(txn *badger.Txn) error { return setJSON(txn, "meta/workstation", id) }); err != nil {
			return fmt.Errorf("save workstation ID: %w", err)
		}
	}
	h.wsid = id
	return h.writeWorkstationFile(id)
}

// Workstation is this store's ID in the lab ("" without a lab).
func (h *Home) Workstation() string { return h.wsid }

// queue puts a record in the outbox, in the same transaction that wrote it.
func (w *wtx) queue(kind, id string) error {
	if !w.outbox {
		return nil
	}
	w.queued = true
	return w.txn.Set([]byte("q/"+kind+"/"+id), nil)
}

// wake tells the sender there is something to send.
func (h *Home) wake() {
	select {
	case h.wakeSender <- struct{}{}:
	default:
	}
}

// runSender sends the outbox until stop closes, retrying with a growing
// pause while the lab is away, then tries once more to drain it.
func (h *Home) runSender(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	pause := 100 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), peopleTimeout)
		more, err := h.sendOnce(ctx)
		if down, _ := h.health.state(); err == nil && !more && !down.IsZero() {
			err = h.ping(ctx) // nothing to send: ask whether the lab is back
		}
		cancel()
		wait := time.Duration(0)
		switch {
		case err != nil:
			wait, pause = pause, min(pause*2, resendMax)
		case more:
			pause = 100 * time.Millisecond
			continue
		default:
			pause, wait = 100*time.Millisecond, time.Minute
		}
		timer := time.NewTimer(wait)
		select {
		case <-stop:
			timer.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), finalSend)
			for {
				if more, err := h.sendOnce(ctx); err != nil || !more {
					break
				}
			}
			cancel()
			return
		case <-h.wakeSender:
			timer.Stop()
			timer = time.NewTimer(gather)
			select {
			case <-stop:
			case <-timer.C:
			}
		case <-timer.C:
		}
		timer.Stop()
	}
}

// ping checks that the lab answers (an empty transaction) and notes it.
func (h *Home) ping(ctx context.Context) error {
	err := h.lab.UpdatePeople(ctx, func(PeopleTx) error { return nil })
	h.health.note(err, h.opt.Clock())
	return err
}

// outgoing is one queued record as read for sending.
type outgoing struct {
	qkey, rkey string
	val        []byte
}

// sendOnce sends up to sendBatch queued records; more reports a full batch.
func (h *Home) sendOnce(ctx context.Context) (more bool, err error) {
	h.sendMu.Lock() // the lab's audit chain takes entries in this store's order
	defer h.sendMu.Unlock()
	var batch Outgoing
	var sent []outgoing
	err = h.view(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.PrefetchValues = false
		opt.Prefix = []byte("q/")
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Rewind(); it.Valid() && len(sent) < sendBatch; it.Next() {
			qk := string(it.Item().Key())
			kind, id, _ := strings.Cut(strings.TrimPrefix(qk, "q/"), "/")
			rk := kind + "/" + id
			item, err := txn.Get([]byte(rk))
			if errors.Is(err, badger.ErrKeyNotFound) {
				sent = append(sent, outgoing{qkey: qk, rkey: rk}) // nothing left to send
				continue
			}
			if err != nil {
				return err
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := addOutgoing(&batch, kind, id, v); err != nil {
				return fmt.Errorf("outbox %s: %w", qk, err)
			}
			sent = append(sent, outgoing{qkey: qk, rkey: rk, val: v})
		}
		return nil
	})
	if err != nil || len(sent) == 0 {
		return false, err
	}
	if batch.Len() > 0 {
		err = h.lab.Send(ctx, h.wsid, batch)
		h.health.note(err, h.opt.Clock())
		if err != nil {
			return false, err
		}
	}
	// Drop what the lab has, unless it changed while on the way. Not under
	// h.mu: the examiner's writes never wait for this one. They never read
	// q/ keys, so only this transaction can meet a conflict (a record
	// changed again meanwhile), and then its entries simply go again.
	err = h.db.Update(func(txn *badger.Txn) error {
		for _, s := range sent {
			if s.val != nil {
				item, err := txn.Get([]byte(s.rkey))
				if err == nil {
					if v, err := item.ValueCopy(nil); err == nil && string(v) != string(s.val) {
						continue
					}
				}
			}
			if err := txn.Delete([]byte(s.qkey)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, badger.ErrConflict) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("outbox: %w", err)
	}
	return len(sent) == sendBatch, nil
}

func addOutgoing(b *Outgoing, kind, id string, v []byte) error {
	switch kind {
	case "x":
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		b.Events = append(b.Events, e)
	case "b":
		var br Break
		if err := json.Unmarshal(v, &br); err != nil {
			return err
		}
		b.Breaks = append(b.Breaks, br)
	case "r":
		var r Review
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		r.ID = id
		b.Reviews = append(b.Reviews, r)
	case "a":
		var e store.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		b.Audit = append(b.Audit, AuditRecord{ID: id, At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail})
	default:
		return fmt.Errorf("unknown outbox kind %q", kind)
	}
	return nil
}

// Flush sends the outbox now and reports what is left (for tests and for
// `scrim lab status` on a workstation).
func (h *Home) Flush(ctx context.Context) (pending int, err error) {
	if h.lab == nil {
		return 0, nil
	}
	for {
		more, err := h.sendOnce(ctx)
		if err != nil {
			st, _ := h.LabState()
			return st.Pending, fmt.Errorf("send to the lab: %w", err)
		}
		if !more {
			st, err := h.LabState()
			return st.Pending, err
		}
	}
}
