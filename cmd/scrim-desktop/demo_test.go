package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/profile"
)

// TestDemoProfilesOnlyInTheDemoHome: --demo-profiles makes its fixed-PIN
// profiles only in a home holding make run's marker, never in the
// workstation's profile store nor in any other directory.
func TestDemoProfilesOnlyInTheDemoHome(t *testing.T) {
	root := t.TempDir()
	t.Setenv("SCRIM_HOME", filepath.Join(root, "production"))

	for _, dir := range []string{filepath.Join(root, "elsewhere"), profile.DefaultHome()} {
		h, err := openHome(dir, "", nil, true)
		if err == nil {
			h.Close()
			t.Fatalf("%s: demo profiles were allowed", dir)
		}
		if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), dir) {
			t.Fatalf("%s: want one line naming the directory, got %q", dir, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%s: the refused profile store was created (%v)", dir, err)
		}
	}
	// Even with the marker, the workstation's own store is refused.
	if err := os.MkdirAll(profile.DefaultHome(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profile.DefaultHome(), demoMarker), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if h, err := openHome(profile.DefaultHome(), "", nil, true); err == nil {
		h.Close()
		t.Fatal("demo profiles in $SCRIM_HOME")
	}

	demoHome := filepath.Join(root, "demo-home")
	if err := os.MkdirAll(demoHome, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(demoHome, demoMarker), []byte("made by make run\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := openHome(demoHome, "", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.SignIn("erin", demoPIN); err != nil {
		t.Fatalf("demo examiner in the demo home: %v", err)
	}
}

// TestWorkstationRefusesHomeInsideEvidence: the profile store and the case
// are checked against --evidence before the store is opened.
func TestWorkstationRefusesHomeInsideEvidence(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "seized")
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ home, caseDir string }{
		{filepath.Join(ev, "home"), ""},
		{filepath.Join(t.TempDir(), "home"), filepath.Join(ev, "case")},
	} {
		h, err := openHome(c.home, c.caseDir, []string{ev}, false)
		if err == nil {
			h.Close()
			t.Fatalf("home %s, case %s inside evidence %s were accepted", c.home, c.caseDir, ev)
		}
		if entries, _ := os.ReadDir(ev); len(entries) != 0 {
			t.Fatalf("%v: the refused start wrote into the evidence: %v", err, entries)
		}
	}
}
