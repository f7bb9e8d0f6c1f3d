package profile

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSavedLabURLReadWhileTheStoreIsHeld: the lab URL a supervisor saves
// is readable by a second process's SavedLabURL while this one holds the
// store (Badger's lock), changes with the setting, and a store saved
// before the file existed gets it when opened; a folder without a store
// has no lab and is left untouched.
func TestSavedLabURLReadWhileTheStoreIsHeld(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "none")
	if u, err := SavedLabURL(empty); err != nil || u != "" {
		t.Fatalf("no store: %q %v", u, err)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Fatalf("SavedLabURL made %s (%v)", empty, err)
	}

	h, _, sam, eve := setup(t)
	dir := h.Dir()
	if u, err := SavedLabURL(dir); err != nil || u != "" {
		t.Fatalf("nothing saved yet: %q %v", u, err)
	}
	const url = "postgres://ws01@lab.example/scrim?sslmode=verify-full"
	if err := h.SetLabURL(eve, url); err == nil {
		t.Fatal("an examiner saved the lab URL")
	}
	if u, _ := SavedLabURL(dir); u != "" {
		t.Fatalf("refused change visible: %q", u)
	}
	if err := h.SetLabURL(sam, url); err != nil {
		t.Fatal(err)
	}
	if u, err := SavedLabURL(dir); err != nil || u != url { // h still holds the store
		t.Fatalf("saved URL read while the store is held: %q %v", u, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, labURLFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("URL file %v %v: want owner-only", fi, err)
	}

	// A store from before the file: the file is made from the setting.
	h.Close()
	os.Remove(filepath.Join(dir, labURLFile))
	if u, err := SavedLabURL(dir); err != nil || u != url {
		t.Fatalf("from the store itself: %q %v", u, err)
	}
	if _, err := os.Stat(filepath.Join(dir, labURLFile)); err != nil {
		t.Fatalf("file not made back: %v", err)
	}
}
