package profile

import (
	"os"
	"path/filepath"
	"testing"
)

// The command line names the workstation the way the desk does: by the
// store's ID (Home.Workstation), read from its file while a Home holds
// the store, and from the store itself when the file is gone.
func TestWorkstationIDSameAsHome(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	h, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.workstationID(); err != nil { // what joining a lab does
		t.Fatal(err)
	}
	want := h.Workstation()
	got, err := WorkstationID(dir) // while h holds the store's lock
	if err != nil || got != want || len(want) != 16 {
		t.Fatalf("WorkstationID %q %v, the Home's %q", got, err, want)
	}
	h.Close()
	if err := os.Remove(filepath.Join(dir, workstationFile)); err != nil {
		t.Fatal(err)
	}
	if got, err := WorkstationID(dir); err != nil || got != want {
		t.Fatalf("WorkstationID from the store %q %v, want %q", got, err, want)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, workstationFile)); err != nil || string(raw) != want+"\n" {
		t.Fatalf("file rewritten as %q %v", raw, err)
	}
	// A new store gets an ID on first use, kept from then on.
	other := filepath.Join(t.TempDir(), "other")
	a, err := WorkstationID(other)
	if err != nil || a == want {
		t.Fatalf("new store's ID %q %v", a, err)
	}
	if b, err := WorkstationID(other); err != nil || b != a {
		t.Fatalf("second read %q %v, want %q", b, err, a)
	}
	if err := os.WriteFile(filepath.Join(other, workstationFile), []byte("not an id\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := WorkstationID(other); err == nil {
		t.Fatal("a damaged ID file accepted")
	}
}
