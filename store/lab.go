package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// The case's lab outbox: each examiner decision and each undo is queued
// here in the transaction that records it, and sent to the lab's library
// later (lab.SendCase). A record leaves the outbox only once the lab holds
// it, so none is lost to a dead server or a kill.
//
//	lq/<stamp>/<id>    LabRecord waiting for the lab (stamp: decision time, hex ns)
//	meta/case_uid      the case's own random ID in the lab
//	meta/case_number   the case number (a case fact; `scrim lab case --number`)
//	meta/lab_private   "true": nothing of this case goes to the lab
const labOutboxPrefix = "lq/"

// Case facts the lab reads.
const (
	MetaCaseUID    = "case_uid"
	MetaCaseNumber = "case_number"
	MetaLabPrivate = "lab_private"
)

// LabRecord is one decision (or the withdrawal of one) bound for the lab.
type LabRecord struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // LabDecision or LabWithdrawal
	// Withdraws, on a withdrawal, is the ID of the decision taken back.
	Withdraws string    `json:"withdraws,omitempty"`
	SHA256    string    `json:"sha256"`
	MD5       string    `json:"md5,omitempty"`
	SHA1      string    `json:"sha1,omitempty"`
	PHash     string    `json:"phash,omitempty"`
	DHash     string    `json:"dhash,omitempty"`
	Category  string    `json:"category,omitempty"`
	Scheme    string    `json:"scheme,omitempty"`
	Examiner  string    `json:"examiner"`
	At        time.Time `json:"at"`
}

// Kinds of LabRecord.
const (
	LabDecision   = "decision"
	LabWithdrawal = "withdrawal"
)

// LabRecordID is the stable ID of a decision in the lab: the undo that
// withdraws it computes the same ID from the decision's own history record.
func LabRecordID(caseUID, sha string, at time.Time) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", caseUID, sha, at.UnixNano()))
	return hex.EncodeToString(sum[:16])
}

func labOutboxKey(r LabRecord) []byte {
	return fmt.Appendf(nil, "%s%016x/%s", labOutboxPrefix, r.At.UnixNano(), r.ID)
}

// CaseUID returns the case's ID in the lab, making it on first use inside
// the caller's transaction.
func (tx *Tx) CaseUID() (string, error) {
	var uid string
	_, err := getIn(tx.txn, []byte("meta/"+MetaCaseUID), func(v []byte) error { uid = string(v); return nil })
	if err != nil {
		return "", fmt.Errorf("read case fact %s: %w", MetaCaseUID, err)
	}
	if uid != "" {
		return uid, nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make case ID: %w", err)
	}
	uid = hex.EncodeToString(b)
	if err := tx.txn.Set([]byte("meta/"+MetaCaseUID), []byte(uid)); err != nil {
		return "", fmt.Errorf("write case fact %s: %w", MetaCaseUID, err)
	}
	return uid, nil
}

// QueueLab puts r in the case's lab outbox; it commits with the rest of
// the transaction (the decision it reports).
func (tx *Tx) QueueLab(r LabRecord) error {
	if r.ID == "" || (r.Kind != LabDecision && r.Kind != LabWithdrawal) {
		return fmt.Errorf("queue lab record for %s: needs an ID and a kind", r.SHA256)
	}
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode lab record %s: %w", r.ID, err)
	}
	if err := tx.txn.Set(labOutboxKey(r), v); err != nil {
		return fmt.Errorf("queue lab record %s: %w", r.ID, err)
	}
	return nil
}

// ErrDamagedOutbox means a record in the lab outbox cannot be read.
var ErrDamagedOutbox = errors.New("damaged lab outbox record")

// LabOutbox returns up to limit queued records, oldest first. A record
// that cannot be read stops the read with an error naming its key: it is
// never skipped (that would lose a decision) nor sent half-read.
func (s *Store) LabOutbox(limit int) ([]LabRecord, error) {
	var out []LabRecord
	err := s.db.View(func(txn *badger.Txn) error {
		return scanIn(txn, labOutboxPrefix, func(k, v []byte) error {
			r, err := decodeLabRecord(k, v)
			if err != nil {
				return fmt.Errorf("%w in case %s", err, s.dir)
			}
			out = append(out, r)
			if len(out) >= limit {
				return ErrStop
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read lab outbox: %w", err)
	}
	return out, nil
}

// decodeLabRecord reads one outbox record and checks it against its key.
func decodeLabRecord(k, v []byte) (LabRecord, error) {
	var r LabRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("%w %s: %v", ErrDamagedOutbox, printableKey(k), err)
	}
	if r.ID == "" || r.SHA256 == "" || (r.Kind != LabDecision && r.Kind != LabWithdrawal) ||
		!strings.HasSuffix(string(k), "/"+r.ID) || !strings.HasPrefix(string(k), labOutboxPrefix) {
		return r, fmt.Errorf("%w %s: its ID, kind or SHA-256 does not match its key", ErrDamagedOutbox, printableKey(k))
	}
	return r, nil
}

// LabOutboxLen counts the records still waiting for the lab.
func (s *Store) LabOutboxLen() (int, error) {
	n := 0
	err := s.ScanKeys(labOutboxPrefix, func([]byte) error { n++; return nil })
	return n, err
}

// LabSent removes records the lab confirmed holding.
func (s *Store) LabSent(recs []LabRecord) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, r := range recs {
		if err := wb.Delete(labOutboxKey(r)); err != nil {
			return fmt.Errorf("clear lab outbox: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("clear lab outbox: %w", err)
	}
	return nil
}

// FromLab is the provenance of a match against the lab's library:
// "lab:CASE/EXAMINER" for the same SHA-256, "lab:CASE/EXAMINER (d=N)" for
// a near-duplicate (a suggestion only).
const FromLab SourceKind = "lab"

// Assignment kinds of lab matches.
const (
	AssignLab     = "lab"     // exact: Source is CASE/EXAMINER
	AssignLabNear = "labnear" // near-duplicate: Source is CASE/EXAMINER, Distance set
)

// LabSource is the provenance of an exact library match.
func LabSource(caseExaminer string) Provenance { return Provenance{Kind: FromLab, Name: caseExaminer} }

// LabSuggestion is the provenance of a near-duplicate library match.
func LabSuggestion(caseExaminer string, distance int) Provenance {
	return Provenance{Kind: FromLab, Name: fmt.Sprintf("%s (d=%d)", caseExaminer, distance)}
}

// LabNear tells whether a lab provenance is a near-duplicate suggestion.
func (p Provenance) LabNear() bool {
	return p.Kind == FromLab && strings.HasSuffix(p.Name, ")") && strings.Contains(p.Name, " (d=")
}

// CaseUID returns the case's ID in the lab, making it on first use.
func (s *Store) CaseUID() (string, error) {
	var uid string
	err := s.Update(func(tx *Tx) error {
		var err error
		uid, err = tx.CaseUID()
		return err
	})
	return uid, err
}

// EachLabAssignment calls fn for every lab match assignment of the case
// (kinds AssignLab and AssignLabNear), reading the value of those alone.
func (s *Store) EachLabAssignment(fn func(sha string, a Assignment) error) error {
	err := s.db.View(func(txn *badger.Txn) error {
		opt := badger.DefaultIteratorOptions
		opt.Prefix = []byte("h/")
		opt.PrefetchValues = false
		it := txn.NewIterator(opt)
		defer it.Close()
		for it.Seek(opt.Prefix); it.ValidForPrefix(opt.Prefix); it.Next() {
			k := it.Item().Key()
			sha, tail, ok := strings.Cut(string(k[2:]), "/")
			if !ok || !(strings.HasPrefix(tail, AssignLab+":") || strings.HasPrefix(tail, AssignLabNear+":")) {
				continue
			}
			var a Assignment
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &a) }); err != nil {
				return fmt.Errorf("assignment %s: %w", printableKey(k), err)
			}
			if err := fn(sha, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read lab matches: %w", err)
	}
	return nil
}
