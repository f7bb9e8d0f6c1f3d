package profile

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"scrim/store"
)

// Ledger is the lab's record of what every workstation did: exposure,
// breaks, reviews and the audit chain. A workstation writes each record to
// its own store first (before anything is shown) and sends it afterwards
// from an outbox; Send keeps each (workstation, record ID) once, so a
// record sent again after a lost answer changes nothing.
type Ledger interface {
	// Send stores records of workstation ws in one transaction. Events
	// arrive closed and are final; a break may arrive open and then closed;
	// audit records are appended to the lab's chain in the order given.
	Send(ctx context.Context, ws string, out Outgoing) error
	// Records reads every workstation's exposure and reviews of examiner
	// ("" = everyone) that started in [from, to) (zero to: no end), and
	// breaks that started at or after from.
	Records(ctx context.Context, examiner string, from, to time.Time) (Records, error)
	// Audit lists the lab's audit chain; VerifyAudit recomputes it.
	Audit(ctx context.Context) ([]store.AuditEntry, error)
	VerifyAudit(ctx context.Context) (store.AuditCheck, error)
}

// Outgoing is one batch from a workstation's outbox.
type Outgoing struct {
	Events  []Event
	Breaks  []Break
	Reviews []Review
	Audit   []AuditRecord
}

// Len is the number of records in the batch.
func (o Outgoing) Len() int { return len(o.Events) + len(o.Breaks) + len(o.Reviews) + len(o.Audit) }

// AuditRecord is one entry of a workstation's audit chain on its way to the
// lab's chain. ID is its number in the workstation's own chain.
type AuditRecord struct {
	ID     string
	At     time.Time
	Actor  string
	Action string
	Detail map[string]string
}

// Records are exposure, breaks and reviews as read back.
type Records struct {
	Events  []Event
	Breaks  []Break
	Reviews []Review
}

// localRecords reads this store's own records, as Ledger.Records does.
func (h *Home) localRecords(txn *badger.Txn, examiner string, from, to time.Time) (Records, error) {
	var r Records
	var err error
	if r.Events, err = events(txn, examiner, from, to); err != nil {
		return r, err
	}
	if r.Breaks, err = breaks(txn, examiner, from); err != nil {
		return r, err
	}
	r.Reviews, err = reviews(txn, examiner, from, to)
	return r, err
}

// records is every record of examiner in [from, to): this store's, and,
// with a lab, every other workstation's. When the lab does not answer it
// is this store's alone, and online is false.
func (h *Home) records(examiner string, from, to time.Time) (r Records, online bool, err error) {
	err = h.view(func(txn *badger.Txn) error {
		r, err = h.localRecords(txn, examiner, from, to)
		return err
	})
	if err != nil || h.lab == nil {
		return r, h.lab == nil, err
	}
	if down, _ := h.health.state(); !down.IsZero() {
		// Known to be away: answer from here at once (the examiner may be
		// waiting); the sender notices when the lab is back.
		return r, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), labReadTimeout)
	defer cancel()
	remote, lerr := h.lab.Records(ctx, examiner, from, to)
	h.health.note(lerr, h.opt.Clock())
	if lerr != nil {
		return r, false, nil
	}
	return mergeRecords(h.wsid, r, remote), true, nil
}

// mergeRecords adds the lab's records to this workstation's own; for its
// own records this store is the truth (it may hold changes not yet sent).
func mergeRecords(ws string, local, remote Records) Records {
	mine := map[string]bool{}
	for _, e := range local.Events {
		mine["x/"+e.ID] = true
	}
	for _, b := range local.Breaks {
		mine["b/"+b.ID] = true
	}
	for _, v := range local.Reviews {
		mine["r/"+v.ID] = true
	}
	for _, e := range remote.Events {
		if e.Workstation != ws || !mine["x/"+e.ID] {
			local.Events = append(local.Events, e)
		}
	}
	for _, b := range remote.Breaks {
		if b.Workstation != ws || !mine["b/"+b.ID] {
			local.Breaks = append(local.Breaks, b)
		}
	}
	for _, v := range remote.Reviews {
		if v.Workstation != ws || !mine["r/"+v.ID] {
			local.Reviews = append(local.Reviews, v)
		}
	}
	sort.SliceStable(local.Events, func(i, j int) bool {
		a, b := local.Events[i], local.Events[j]
		if a.Examiner != b.Examiner {
			return a.Examiner < b.Examiner
		}
		return a.Start.Before(b.Start)
	})
	sort.SliceStable(local.Breaks, func(i, j int) bool { return local.Breaks[i].Start.Before(local.Breaks[j].Start) })
	sort.SliceStable(local.Reviews, func(i, j int) bool { return local.Reviews[i].At.Before(local.Reviews[j].At) })
	return local
}

// reviews lists the reviews of examiner ("" = everyone) made in [from, to).
func reviews(txn *badger.Txn, examiner string, from, to time.Time) ([]Review, error) {
	var out []Review
	err := scan(txn, "r/", "", "", func(k string, v []byte) error {
		var r Review
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.ID == "" {
			r.ID = strings.TrimPrefix(k, "r/")
		}
		if (examiner == "" || r.Examiner == examiner) && !r.At.Before(from) && (to.IsZero() || r.At.Before(to)) {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
