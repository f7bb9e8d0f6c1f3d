package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"scrim/profile"
	"scrim/store"
)

// Send stores one batch from workstation ws in one transaction
// (profile.Ledger). Each record is kept once per (workstation, id):
// exposure arrives closed and is final (ON CONFLICT DO NOTHING); a break
// sent open and then closed is updated once; audit records are appended
// to the lab's chain unless it already holds them.
func (l *Lab) Send(ctx context.Context, ws string, out profile.Outgoing) error {
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, e := range out.Events {
			b.Queue(`INSERT INTO exposure (workstation, id, examiner, case_name, sha256, mode, start_at, end_at,
				duration_ms, last_beat, open, interrupted, clock_suspect)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
				ws, e.ID, e.Examiner, e.Case, e.SHA256, e.Mode, e.Start, nullTime(e.End), e.DurationMS,
				nullTime(e.LastBeat), e.Open, e.Interrupted, e.ClockSuspect)
		}
		for _, br := range out.Breaks {
			b.Queue(`INSERT INTO breaks (workstation, id, examiner, start_at, end_at, length_ms, open, ended_early, clock_suspect)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
				ON CONFLICT (workstation, id) DO UPDATE SET end_at = excluded.end_at, open = excluded.open,
					ended_early = excluded.ended_early, clock_suspect = excluded.clock_suspect
				WHERE breaks.open`,
				ws, br.ID, br.Examiner, br.Start, nullTime(br.End), br.Length.Milliseconds(), br.Open, br.EndedEarly, br.ClockSuspect)
		}
		for _, r := range out.Reviews {
			b.Queue(`INSERT INTO reviews (workstation, id, examiner, case_name, sha256, category, at, clock_suspect)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
				ws, r.ID, r.Examiner, r.Case, r.SHA256, r.Category, r.At, r.ClockSuspect)
		}
		if b.Len() > 0 {
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
		}
		if len(out.Audit) > 0 {
			return appendAudit(ctx, tx, ws, out.Audit)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("lab %s: send %d record(s): %w", l.url, out.Len(), explain(err))
	}
	return nil
}

// appendAudit appends records to the lab's chain. The head row is locked
// for the rest of the transaction, so appends from every workstation
// serialize and each entry links the one before it.
func appendAudit(ctx context.Context, tx pgx.Tx, ws string, recs []profile.AuditRecord) error {
	var head struct {
		seq  uint64
		hash string
	}
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&head.seq, &head.hash); err != nil {
		return fmt.Errorf("lock the audit head: %w", err)
	}
	for _, r := range recs {
		var have bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit WHERE workstation = $1 AND entry_id = $2)`, ws, r.ID).Scan(&have); err != nil {
			return err
		}
		if have { // sent before; the answer was lost
			continue
		}
		detail := maps.Clone(r.Detail)
		if detail == nil {
			detail = map[string]string{}
		}
		detail["workstation"] = ws
		e := store.AuditEntry{Seq: head.seq + 1, At: r.At, Actor: r.Actor, Action: r.Action, Detail: detail, Prev: head.hash}
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit (seq, workstation, entry_id, entry) VALUES ($1, $2, $3, $4)`,
			int64(e.Seq), ws, r.ID, raw); err != nil {
			return fmt.Errorf("append audit entry %d: %w", e.Seq, err)
		}
		sum := sha256.Sum256(raw)
		head.seq, head.hash = e.Seq, hex.EncodeToString(sum[:])
	}
	_, err := tx.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, int64(head.seq), head.hash)
	return err
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Records reads every workstation's records of examiner ("" = everyone)
// (profile.Ledger).
func (l *Lab) Records(ctx context.Context, examiner string, from, to time.Time) (profile.Records, error) {
	var r profile.Records
	if to.IsZero() {
		to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	err := pgx.BeginTxFunc(ctx, l.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT workstation, id, examiner, case_name, sha256, mode, start_at, end_at,
			duration_ms, last_beat, open, interrupted, clock_suspect
			FROM exposure WHERE ($1 = '' OR examiner = $1) AND start_at >= $2 AND start_at < $3
			ORDER BY examiner, start_at, workstation, id`, examiner, from, to)
		if err != nil {
			return err
		}
		r.Events, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (profile.Event, error) {
			var e profile.Event
			var end, beat *time.Time
			err := row.Scan(&e.Workstation, &e.ID, &e.Examiner, &e.Case, &e.SHA256, &e.Mode, &e.Start, &end,
				&e.DurationMS, &beat, &e.Open, &e.Interrupted, &e.ClockSuspect)
			e.End, e.LastBeat = timeOf(end), timeOf(beat)
			return e, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT workstation, id, examiner, start_at, end_at, length_ms, open, ended_early, clock_suspect
			FROM breaks WHERE ($1 = '' OR examiner = $1) AND start_at >= $2 ORDER BY start_at, workstation, id`, examiner, from)
		if err != nil {
			return err
		}
		r.Breaks, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (profile.Break, error) {
			var b profile.Break
			var end *time.Time
			var ms int64
			err := row.Scan(&b.Workstation, &b.ID, &b.Examiner, &b.Start, &end, &ms, &b.Open, &b.EndedEarly, &b.ClockSuspect)
			b.End, b.Length = timeOf(end), time.Duration(ms)*time.Millisecond
			return b, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT workstation, id, examiner, case_name, sha256, category, at, clock_suspect
			FROM reviews WHERE ($1 = '' OR examiner = $1) AND at >= $2 AND at < $3 ORDER BY at, workstation, id`, examiner, from, to)
		if err != nil {
			return err
		}
		r.Reviews, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (profile.Review, error) {
			var v profile.Review
			err := row.Scan(&v.Workstation, &v.ID, &v.Examiner, &v.Case, &v.SHA256, &v.Category, &v.At, &v.ClockSuspect)
			return v, err
		})
		return err
	})
	if err != nil {
		return r, fmt.Errorf("lab %s: read records: %w", l.url, explain(err))
	}
	return r, nil
}

// Audit lists the lab's audit chain in order (profile.Ledger).
func (l *Lab) Audit(ctx context.Context) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	err := l.eachAudit(ctx, func(_ int64, raw []byte) error {
		var e store.AuditEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

func (l *Lab) eachAudit(ctx context.Context, fn func(seq int64, raw []byte) error) error {
	rows, err := l.pool.Query(ctx, `SELECT seq, entry FROM audit ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("lab %s: read audit: %w", l.url, explain(err))
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var raw []byte
		if err := rows.Scan(&seq, &raw); err != nil {
			return fmt.Errorf("lab %s: read audit: %w", l.url, err)
		}
		if err := fn(seq, raw); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lab %s: read audit: %w", l.url, err)
	}
	return nil
}

var errBroken = errors.New("broken")

// VerifyAudit recomputes the lab's chain with the rules of the
// workstation's own (store.AuditChain.Verify) and reports the first broken
// link (profile.Ledger).
func (l *Lab) VerifyAudit(ctx context.Context) (store.AuditCheck, error) {
	var ck store.AuditCheck
	prevHash, want := "", uint64(1)
	fail := func(seq uint64, problem string) error {
		ck.BrokenAt, ck.Problem = seq, problem
		return errBroken
	}
	err := l.eachAudit(ctx, func(seq int64, raw []byte) error {
		var e store.AuditEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fail(want, fmt.Sprintf("entry %d is not readable: %v", seq, err))
		}
		if uint64(seq) != e.Seq {
			return fail(want, fmt.Sprintf("entry stored as %d claims number %d", seq, e.Seq))
		}
		if e.Seq != want {
			return fail(want, fmt.Sprintf("entry %d is missing (next stored is %d)", want, e.Seq))
		}
		if e.Prev != prevHash {
			return fail(e.Seq, fmt.Sprintf("entry %d does not follow the entry before it (its link is %.12s…, the previous entry hashes to %.12s…)", e.Seq, e.Prev, prevHash))
		}
		sum := sha256.Sum256(raw)
		prevHash = hex.EncodeToString(sum[:])
		ck.Entries = e.Seq
		want++
		return nil
	})
	if err != nil && !errors.Is(err, errBroken) {
		return ck, err
	}
	ck.Head = prevHash
	if ck.Problem != "" {
		return ck, nil
	}
	var hs int64
	var hh string
	if err := l.pool.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&hs, &hh); err != nil {
		return ck, fmt.Errorf("lab %s: read audit head: %w", l.url, explain(err))
	}
	switch {
	case uint64(hs) != ck.Entries:
		ck.BrokenAt = ck.Entries + 1
		ck.Problem = fmt.Sprintf("the head says the log ends at entry %d; the stored log ends at entry %d", hs, ck.Entries)
	case hh != prevHash:
		ck.BrokenAt, ck.Problem = ck.Entries, fmt.Sprintf("entry %d differs from the one the head recorded", ck.Entries)
	default:
		ck.OK = true
	}
	return ck, nil
}
