package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"scrim/lab"
	"scrim/lab/labtest"
	"scrim/profile"
	"scrim/profile/hometest"
)

// scrim lab init|status, and two workstation homes on one lab through the
// real scrim binary: profiles, policy, exposure and audit are the lab's.
func TestLabCLI(t *testing.T) {
	url := labtest.Database(t)
	t.Setenv("SCRIM_LAB", "")
	root := t.TempDir()
	homeA, homeB := filepath.Join(root, "a"), filepath.Join(root, "b")
	expect := func(r runResult, code int, want string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.stdout+r.stderr, want) {
			t.Fatalf("exit %d (want %d), want %q in:\n%s%s", r.code, code, want, r.stdout, r.stderr)
		}
	}
	expect(scrim(t, "lab", "status"), 2, "no lab: set SCRIM_LAB or use --lab")
	expect(scrim(t, "lab", "status", "--lab", url), 0, "0001_people")
	expect(scrimStdin(t, "2468\n", "profile", "add", "--home", homeA, "--lab", url, "--name", "sam", "--role", "supervisor"), 1, "scrim lab init")
	expect(scrim(t, "lab", "init", "--lab", url), 0, "applied 0001_people")
	expect(scrim(t, "lab", "init", "--lab", url, "--json"), 0, `"applied":[]`)
	t.Setenv("SCRIM_LAB", url)
	r := scrim(t, "lab", "status", "--json")
	var st map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st["pending"] != nil || st["schema_version"] != st["latest_version"] || st["tls"] != false {
		t.Fatalf("lab status %s (%v)", r.stdout, err)
	}

	expect(scrimStdin(t, "2468\n", "profile", "add", "--home", homeA, "--name", "sam", "--role", "supervisor"), 0, "profile sam (supervisor) added")
	expect(scrimStdin(t, "2468\n1357\n", "profile", "add", "--home", homeB, "--by", "sam", "--name", "eve", "--role", "examiner"), 0, "profile eve (examiner) added")
	expect(scrim(t, "profile", "list", "--home", homeA), 0, "eve")
	expect(scrimStdin(t, "2468\n", "policy", "set", "--home", homeB, "--by", "sam", "--max-reveal", "9s", "--lab-grace", "2m"), 0, "lab grace        2m0s")
	expect(scrim(t, "policy", "show", "--home", homeA), 0, "max reveal       9s")
	// Without the lab, home A is the workstation it always was: empty.
	t.Setenv("SCRIM_LAB", "")
	if r := scrim(t, "profile", "list", "--home", homeA, "--json"); r.code != 0 || strings.Contains(r.stdout, "eve") {
		t.Fatalf("home A without the lab lists %s %s", r.stdout, r.stderr)
	}
	t.Setenv("SCRIM_LAB", url)

	// Exposure on both workstations (the desktop app's side, through the package).
	at := time.Now().Add(-time.Hour)
	for i, dir := range []string{homeA, homeB} {
		h, err := profile.Open(dir, profile.Options{Clock: func() time.Time { return at }, LabURL: url, ConnectLab: lab.Connect, PINCost: hometest.CheapPIN()})
		if err != nil {
			t.Fatal(err)
		}
		eve, err := h.SignIn("eve", "1357")
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3; j++ {
			start := at.Add(time.Duration(i*10+j) * time.Second)
			id, _ := h.BeginExposure(eve, profile.Exposure{Case: "op", SHA256: "ab", Mode: profile.ModeReveal, Start: start})
			if _, err := h.EndExposure(id, start.Add(2*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.Close(); err != nil { // sends the outbox
			t.Fatal(err)
		}
	}
	var sums []profile.ExaminerSummary
	r = scrim(t, "exposure", "--home", homeB, "--examiner", "eve", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &sums); err != nil || len(sums) != 1 || len(sums[0].Days) == 0 {
		t.Fatalf("exposure: %s %s (%v)", r.stdout, r.stderr, err)
	}
	reveals, secs := 0, 0.0
	for _, d := range sums[0].Days {
		reveals, secs = reveals+d.Reveals, secs+d.RevealedSeconds
	}
	if reveals != 6 || secs != 12 {
		t.Fatalf("eve on both workstations: %d reveals, %.3f s; want 6 and 12", reveals, secs)
	}
	expect(scrim(t, "profile", "audit", "verify", "--home", homeA), 0, "lab audit log intact")
	expect(scrim(t, "profile", "audit", "show", "--home", homeA), 0, "policy-change")
	expect(scrim(t, "lab", "audit", "verify"), 0, "lab audit log intact")
	expect(scrim(t, "lab", "audit", "show", "--json"), 0, `"action":"profile-add"`)
	expect(scrim(t, "lab", "audit"), 2, "scrim lab audit verify|show")
}

// Wrong PINs from several scrim processes on several workstations at once:
// the lab counts every one, so the profile locks after exactly MaxFailures.
func TestLabCLIConcurrentSignIns(t *testing.T) {
	url := labtest.Database(t)
	t.Setenv("SCRIM_LAB", url)
	root := t.TempDir()
	if r := scrim(t, "lab", "init"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := scrimStdin(t, "2468\n", "profile", "add", "--home", filepath.Join(root, "w0"), "--name", "sam", "--role", "supervisor"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	const procs = profile.MaxFailures - 1
	var wg sync.WaitGroup
	results := make([]runResult, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = scrimStdin(t, "0000\n", "policy", "set", "--home", filepath.Join(root, fmt.Sprintf("w%d", i+1)), "--by", "sam", "--max-reveal", "3s")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 1 || !strings.Contains(r.stderr, "not recognised") {
			t.Fatalf("process %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	var ps []profile.Profile
	r := scrim(t, "profile", "list", "--home", filepath.Join(root, "w0"), "--json")
	if err := json.Unmarshal([]byte(r.stdout), &ps); err != nil || len(ps) != 1 || ps[0].Failures != procs {
		t.Fatalf("after %d wrong PINs at once: %s (%v)", procs, r.stdout, err)
	}
	if r := scrimStdin(t, "0000\n", "policy", "set", "--home", filepath.Join(root, "w9"), "--by", "sam"); !strings.Contains(r.stderr, "locked") {
		t.Fatalf("the 5th wrong PIN: %s", r.stderr)
	}
	if r := scrim(t, "profile", "audit", "verify", "--home", filepath.Join(root, "w3")); r.code != 0 || !strings.Contains(r.stdout, "lab audit log intact") {
		t.Fatalf("audit verify: %s %s", r.stdout, r.stderr)
	}
}
