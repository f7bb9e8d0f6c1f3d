package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// The lab outbox keeps records in decision order until LabSent, and a
// damaged record stops the read with an error naming it.
func TestLabOutbox(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "case"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []LabRecord
	err = st.Update(func(tx *Tx) error {
		uid, err := tx.CaseUID()
		if err != nil {
			return err
		}
		for i := range 3 {
			sha := strings.Repeat(string(rune('a'+i)), 64)
			r := LabRecord{ID: LabRecordID(uid, sha, at.Add(time.Duration(3-i)*time.Second)), Kind: LabDecision,
				SHA256: sha, Category: "1", Examiner: "ann", At: at.Add(time.Duration(3-i) * time.Second)}
			recs = append(recs, r)
			if err := tx.QueueLab(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	uid, err := st.CaseUID()
	if err != nil || len(uid) != 32 {
		t.Fatalf("case uid %q %v", uid, err)
	}
	got, err := st.LabOutbox(10)
	if err != nil || len(got) != 3 || got[0].ID != recs[2].ID || got[2].ID != recs[0].ID {
		t.Fatalf("outbox %+v %v", got, err)
	}
	if err := st.LabSent(got[:1]); err != nil {
		t.Fatal(err)
	}
	if n, err := st.LabOutboxLen(); n != 2 || err != nil {
		t.Fatalf("after one sent: %d %v", n, err)
	}
	// Damage the next record: the read names it and sends nothing.
	key := labOutboxKey(got[1])
	if err := st.db.Update(func(txn *badger.Txn) error { return txn.Set(key, []byte(`{"id":`)) }); err != nil {
		t.Fatal(err)
	}
	_, err = st.LabOutbox(10)
	if !errors.Is(err, ErrDamagedOutbox) || !strings.Contains(err.Error(), got[1].ID) {
		t.Fatalf("damaged outbox record: %v", err)
	}
	if n, _ := st.LabOutboxLen(); n != 2 {
		t.Fatalf("the damaged record must stay: %d", n)
	}
}

func TestLabProvenance(t *testing.T) {
	for _, p := range []Provenance{LabSource("A-1/ann"), LabSuggestion("A-1/ann", 4)} {
		if got := ParseProvenance(p.String()); got != p {
			t.Errorf("%q read back as %+v", p.String(), got)
		}
	}
	if LabSuggestion("A-1/ann", 4).String() != "lab:A-1/ann (d=4)" || !LabSource("A-1/ann").Decided() || LabSuggestion("A-1/ann", 4).Decided() {
		t.Errorf("lab provenance %q", LabSuggestion("A-1/ann", 4).String())
	}
}

// FuzzLabRecord: any stored outbox bytes read back as a record that
// matches its key, or as ErrDamagedOutbox; never a panic.
func FuzzLabRecord(f *testing.F) {
	r := LabRecord{ID: "abc", Kind: LabDecision, SHA256: strings.Repeat("a", 64), Examiner: "ann", At: time.Unix(1, 0)}
	good, _ := json.Marshal(r)
	f.Add(labOutboxKey(r), good)
	f.Add(labOutboxKey(r), []byte(`{"id":`))
	f.Add([]byte("lq/x"), []byte(`{"id":"x","kind":"withdrawal","sha256":"s"}`))
	f.Fuzz(func(t *testing.T, k, v []byte) {
		got, err := decodeLabRecord(k, v)
		if err != nil {
			if !errors.Is(err, ErrDamagedOutbox) {
				t.Fatalf("error %v is not ErrDamagedOutbox", err)
			}
			return
		}
		if got.ID == "" || !strings.HasSuffix(string(k), "/"+got.ID) {
			t.Fatalf("record %+v accepted under key %q", got, k)
		}
	})
}
