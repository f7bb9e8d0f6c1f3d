package desk

import (
	"path/filepath"
	"strings"
	"testing"

	"scrim/store"
)

// The case screen lists, under each evidence item, what could not be read.
func TestCaseScreenShowsEvidenceNotes(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	note := "LUKS2 encrypted volume at offset 0 (32 MiB): not read, the key is needed"
	if err := st.PutEvidence(store.Evidence{ID: "EX1", Path: "/seized/usb.dd", Format: "raw", Notes: []string{note}}); err != nil {
		t.Fatal(err)
	}
	w := &Workstation{st: st}
	if got := w.evidenceText(); !strings.Contains(got, "EX1 — /seized/usb.dd (raw)\n    note: "+note) {
		t.Fatalf("case screen evidence:\n%s", got)
	}
}
