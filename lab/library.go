package lab

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"scrim/store"
)

// CaseFacts are what the library records of a case carry besides the
// decision itself.
type CaseFacts struct {
	UID         string // the case store's own ID: a case never matches itself
	Number      string // the case number ("" when none was given)
	Workstation string
}

// Name is how library matches cite the case: its number, else its ID.
func (c CaseFacts) Name() string { return caseName(c.Number, c.UID) }

func caseName(number, uid string) string {
	if number != "" {
		return number
	}
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return "case-" + uid
}

// SendLibrary stores a batch of a case's decisions and withdrawals in one
// transaction. Each is kept once by its ID (ON CONFLICT DO NOTHING), so a
// batch whose answer was lost is simply sent again.
func (l *Lab) SendLibrary(ctx context.Context, c CaseFacts, recs []store.LabRecord) error {
	if len(recs) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range recs {
			switch r.Kind {
			case store.LabDecision:
				p, d, err := hashPair(r.PHash, r.DHash)
				if err != nil {
					return fmt.Errorf("record %s of %s: %w", r.ID, r.SHA256, err)
				}
				b.Queue(`INSERT INTO library (id, sha256, md5, sha1, phash, dhash, category, scheme, examiner,
					case_number, case_uid, decided_at, workstation)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
					r.ID, r.SHA256, r.MD5, r.SHA1, p, d, r.Category, r.Scheme, r.Examiner, c.Number, c.UID, r.At, c.Workstation)
			case store.LabWithdrawal:
				b.Queue(`INSERT INTO withdrawals (id, record_id, examiner, at, workstation)
					VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, r.ID, r.Withdraws, r.Examiner, r.At, c.Workstation)
			default:
				return fmt.Errorf("record %s: unknown kind %q", r.ID, r.Kind)
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("lab %s: send %d library record(s) of case %s: %w", l.url, len(recs), c.Name(), explain(err))
	}
	return nil
}

// hashPair reads a media's pHash and dHash (16 hex digits each) as the
// signed 64-bit integers the library keeps; nil when the media has none.
func hashPair(ph, dh string) (*int64, *int64, error) {
	if ph == "" || dh == "" {
		return nil, nil, nil
	}
	p, err1 := strconv.ParseUint(ph, 16, 64)
	d, err2 := strconv.ParseUint(dh, 16, 64)
	if err1 != nil || err2 != nil {
		return nil, nil, fmt.Errorf("pHash %q / dHash %q are not 16 hex digits", ph, dh)
	}
	pi, di := int64(p), int64(d)
	return &pi, &di, nil
}

// SendResult is what SendCase did.
type SendResult struct {
	Sent    int  `json:"sent"`
	Waiting int  `json:"waiting"` // still in the outbox
	Private bool `json:"private"` // the case is private: nothing was sent
}

// SendCase sends a case's lab outbox in batches, removing each batch once
// the lab holds it. A private case sends nothing and keeps its outbox (it
// goes out if the case is later marked shared). A kill or a lost server
// between the lab's commit and the removal only means the batch is sent
// again, which the lab ignores.
func SendCase(ctx context.Context, l *Lab, st *store.Store, workstation string) (SendResult, error) {
	var res SendResult
	c, private, err := CaseOf(st, workstation)
	if err != nil {
		return res, err
	}
	if private {
		res.Private = true
		res.Waiting, err = st.LabOutboxLen()
		return res, err
	}
	for {
		recs, err := st.LabOutbox(1000)
		if err != nil {
			return res, err
		}
		if len(recs) == 0 {
			return res, nil
		}
		if err := l.SendLibrary(ctx, c, recs); err != nil {
			res.Waiting, _ = st.LabOutboxLen()
			return res, err
		}
		if err := st.LabSent(recs); err != nil {
			return res, err
		}
		res.Sent += len(recs)
	}
}

// CaseOf reads a case's lab facts and whether it is private.
func CaseOf(st *store.Store, workstation string) (CaseFacts, bool, error) {
	c := CaseFacts{Workstation: workstation}
	var err error
	if c.UID, err = st.CaseUID(); err != nil {
		return c, false, err
	}
	if c.Number, err = st.Meta(store.MetaCaseNumber); err != nil {
		return c, false, err
	}
	p, err := st.Meta(store.MetaLabPrivate)
	return c, p == "true", err
}

// LibraryCount is one row of `scrim lab library`.
type LibraryCount struct {
	Scheme    string `json:"scheme"`
	Category  string `json:"category"`
	Case      string `json:"case"`
	Examiner  string `json:"examiner"`
	Records   int64  `json:"records"`
	Withdrawn int64  `json:"withdrawn"`
}

// Library counts the records per scheme, category, case and examiner, and
// how many of them are withdrawn.
func (l *Lab) Library(ctx context.Context) ([]LibraryCount, error) {
	rows, err := l.pool.Query(ctx, `SELECT l.scheme, l.category, l.case_number, l.case_uid, l.examiner,
		count(*), count(w.record_id)
		FROM library l LEFT JOIN (SELECT DISTINCT record_id FROM withdrawals) w ON w.record_id = l.id
		GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`)
	if err != nil {
		return nil, fmt.Errorf("lab %s: count library: %w", l.url, explain(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LibraryCount, error) {
		var c LibraryCount
		var number, uid string
		err := row.Scan(&c.Scheme, &c.Category, &number, &uid, &c.Examiner, &c.Records, &c.Withdrawn)
		c.Case = caseName(number, uid)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("lab %s: count library: %w", l.url, explain(err))
	}
	return out, nil
}

// Record is one library record in force (not withdrawn).
type Record struct {
	ID       string    `json:"id"`
	SHA256   string    `json:"sha256"`
	MD5      string    `json:"md5"`
	SHA1     string    `json:"sha1"`
	PHash    uint64    `json:"-"`
	DHash    uint64    `json:"-"`
	HasHash  bool      `json:"-"`
	Category string    `json:"category"`
	Scheme   string    `json:"scheme"`
	Examiner string    `json:"examiner"`
	Case     string    `json:"case"` // number, else case-<ID>
	CaseUID  string    `json:"-"`
	At       time.Time `json:"decided_at"`
}

// inForce selects each case's and examiner's latest record per media that
// is not withdrawn: a case's own undo shows the decision before it again,
// and the library follows it.
const inForce = `SELECT DISTINCT ON (l.sha256, l.case_uid, l.examiner)
	l.id, l.sha256, l.md5, l.sha1, l.phash, l.dhash, l.category, l.scheme, l.examiner, l.case_number, l.case_uid, l.decided_at
	FROM library l
	WHERE NOT EXISTS (SELECT 1 FROM withdrawals w WHERE w.record_id = l.id)`

func scanRecord(row pgx.CollectableRow) (Record, error) {
	var r Record
	var p, d *int64
	var number string
	err := row.Scan(&r.ID, &r.SHA256, &r.MD5, &r.SHA1, &p, &d, &r.Category, &r.Scheme, &r.Examiner, &number, &r.CaseUID, &r.At)
	if p != nil && d != nil {
		r.PHash, r.DHash, r.HasHash = uint64(*p), uint64(*d), true
	}
	r.Case = caseName(number, r.CaseUID)
	return r, err
}

// EachRecord streams the records in force, in SHA-256 order.
func (l *Lab) EachRecord(ctx context.Context, fn func(Record) error) error {
	rows, err := l.pool.Query(ctx, inForce+` ORDER BY l.sha256, l.case_uid, l.examiner, l.decided_at DESC`)
	if err != nil {
		return fmt.Errorf("lab %s: read library: %w", l.url, explain(err))
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return fmt.Errorf("lab %s: read library: %w", l.url, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lab %s: read library: %w", l.url, explain(err))
	}
	return nil
}
