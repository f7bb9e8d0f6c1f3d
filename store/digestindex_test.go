package store

import (
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// TestDigestLookupsOldAndNewCases: a case written now keeps no i/ index
// and finds media by MD5 and SHA-1 from their records; an older case's
// index entries are still read.
func TestDigestLookupsOldAndNewCases(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	a, b := media(1, "picture"), media(2, "other")
	batch := st.NewBatch()
	for _, m := range []*Media{a, b} {
		if _, err := batch.Add(FileRecord{Occurrence: occ("ev", "/"+m.SHA256[60:], m), Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := st.ScanKeys("i/", func(k []byte) error { t.Errorf("index key written: %s", k); return nil }); err != nil {
		t.Fatal(err)
	}
	if sha, ok, err := st.SHA256ByMD5(b.MD5); err != nil || !ok || sha != b.SHA256 {
		t.Fatalf("by MD5 from the records: %q %v %v", sha, ok, err)
	}
	if sha, ok, err := st.SHA256BySHA1(a.SHA1); err != nil || !ok || sha != a.SHA256 {
		t.Fatalf("by SHA-1 from the records: %q %v %v", sha, ok, err)
	}
	if _, ok, err := st.SHA256ByMD5(media(3, "other").MD5); err != nil || ok {
		t.Fatalf("unknown MD5 found: %v %v", ok, err)
	}
	// An older case: its index names the media (here one whose record
	// would not say so, to see the index is what answered).
	old := media(4, "other")
	err := st.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(keyMD5(old.MD5), []byte(a.SHA256)); err != nil {
			return err
		}
		return txn.Set(keySHA1(old.SHA1), []byte(b.SHA256))
	})
	if err != nil {
		t.Fatal(err)
	}
	if sha, ok, err := st.SHA256ByMD5(old.MD5); err != nil || !ok || sha != a.SHA256 {
		t.Fatalf("by MD5 from an older case's index: %q %v %v", sha, ok, err)
	}
	if sha, ok, err := st.SHA256BySHA1(old.SHA1); err != nil || !ok || sha != b.SHA256 {
		t.Fatalf("by SHA-1 from an older case's index: %q %v %v", sha, ok, err)
	}
}
