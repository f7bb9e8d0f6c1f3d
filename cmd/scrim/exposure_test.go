package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/profile"
	"scrim/profile/hometest"
)

func TestProfilePolicyExposureCLI(t *testing.T) {
	home := t.TempDir()
	t.Setenv("SCRIM_HOME", home)
	expect := func(r runResult, code int, want string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.stdout+r.stderr, want) {
			t.Fatalf("exit %d (want %d), want %q in:\n%s%s", r.code, code, want, r.stdout, r.stderr)
		}
	}
	expect(scrimStdin(t, "1357\n", "profile", "add", "--name", "eve", "--role", "examiner"), 1, "first profile on a workstation must be a supervisor")
	expect(scrimStdin(t, "2468\n", "profile", "add", "--name", "sam", "--role", "supervisor", "--pin-stdin"), 0, "profile sam (supervisor) added")
	expect(scrimStdin(t, "1357\n", "profile", "add", "--name", "eve", "--role", "examiner"), 2, "--by SUPERVISOR is needed")
	expect(scrimStdin(t, "0000\n1357\n", "profile", "add", "--by", "sam", "--name", "eve", "--role", "examiner"), 1, "not recognised")
	expect(scrimStdin(t, "2468\n12\n", "profile", "add", "--by", "sam", "--name", "eve", "--role", "examiner"), 1, "at least 4")
	expect(scrimStdin(t, "2468\n", "profile", "add", "--by", "sam", "--name", "eve", "--role", "examiner"), 2, "no PIN for the new profile")
	expect(scrimStdin(t, "2468\n1357\n", "profile", "add", "--by", "sam", "--name", "eve", "--role", "examiner"), 0, "profile eve (examiner) added")
	expect(scrimStdin(t, "", "profile", "add", "--help"), 0, "SUPERVISOR_PIN, then NEW_PIN")

	var ps []profile.Profile
	if err := json.Unmarshal([]byte(mustScrim(t, "profile", "list", "--json")), &ps); err != nil || len(ps) != 2 || ps[0].Name != "eve" || ps[0].CreatedBy != "sam" {
		t.Fatalf("profiles %+v %v", ps, err)
	}
	if out := mustScrim(t, "profile", "list"); !strings.Contains(out, "sam") || !strings.Contains(out, "supervisor") {
		t.Fatalf("list: %s", out)
	}

	expect(scrimStdin(t, "1357\n", "policy", "set", "--by", "eve", "--reveal-per-day", "1m"), 1, "needs a supervisor")
	expect(scrimStdin(t, "", "policy", "set", "--reveal-per-day", "1m"), 2, "--by SUPERVISOR is required")
	expect(scrimStdin(t, "2468\n", "policy", "set", "--by", "sam", "--reveal-per-day", "1m", "--colour=true", "--json"), 0, `"reveal_per_day":"1m0s"`)
	var pol map[string]any
	if err := json.Unmarshal([]byte(mustScrim(t, "policy", "show", "--json")), &pol); err != nil ||
		pol["reveal_per_day"] != "1m0s" || pol["max_reveal"] != "5s" || pol["colour_allowed"] != true || pol["break_after"] != "50m0s" {
		t.Fatalf("policy %v %v", pol, err)
	}
	if pol["tile_facts_allowed"] != true {
		t.Fatalf("policy %v: file facts on tiles not allowed by default", pol)
	}
	expect(scrimStdin(t, "2468\n", "policy", "set", "--by", "sam", "--tile-facts=false"), 0, "tile facts       off")

	// The desktop app's side, through the package: eve reviews on 7 Dec.
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	h, err := profile.Open(home, profile.Options{Clock: func() time.Time { return at }, PINCost: hometest.CheapPIN()})
	if err != nil {
		t.Fatal(err)
	}
	eve, err := h.SignIn("eve", "1357")
	if err != nil {
		t.Fatal(err)
	}
	grid, _ := h.BeginExposure(eve, profile.Exposure{Case: "op", Mode: profile.ModeGrid, Start: at})
	for i := 0; i < 13; i++ {
		start := at.Add(time.Duration(i) * time.Minute)
		id, _ := h.BeginExposure(eve, profile.Exposure{Case: "op", SHA256: "ab", Mode: profile.ModeReveal, Start: start})
		if _, err := h.EndExposure(id, start.Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	h.EndExposure(grid, at.Add(30*time.Minute))
	h.RecordReview(eve, "op", "ab", "1")
	h.RecordReview(eve, "op", "cd", "5")
	h.Close()

	var sums []profile.ExaminerSummary
	if err := json.Unmarshal([]byte(mustScrim(t, "exposure", "--json")), &sums); err != nil || len(sums) != 2 {
		t.Fatalf("exposure --json: %+v %v", sums, err)
	}
	e := sums[0]
	if e.Examiner != "eve" || len(e.Days) != 1 || e.Days[0].Date != "2026-12-07" || e.Days[0].RevealedSeconds != 65 ||
		e.Days[0].GridSeconds != 1800 || e.Days[0].Reveals != 13 || e.Days[0].ItemsReviewed != 2 || !e.OverLimit || e.Weeks[0].Week != "2026-W50" {
		t.Fatalf("eve: %+v", e)
	}
	dir := t.TempDir()
	csvPath, pdfPath := filepath.Join(dir, "x.csv"), filepath.Join(dir, "x.pdf")
	out := mustScrim(t, "exposure", "--examiner", "eve", "--since", "2026-12-07", "--until", "2026-12-07", "--csv", csvPath, "--pdf", pdfPath)
	for _, w := range []string{"eve (examiner)", "2026-12-07", "30m00s", "1m05s", "over limit", "2026-W50", "1:1 5:1", "over the daily limit: YES"} {
		if !strings.Contains(out, w) {
			t.Fatalf("table lacks %q:\n%s", w, out)
		}
	}
	t.Logf("scrim exposure:\n%s", out)
	if c, _ := os.ReadFile(csvPath); !strings.Contains(string(c), "eve,examiner,2026-12-07,1800.000,65.000,13,0,2,1=1;5=1,0,true") {
		t.Fatalf("CSV:\n%s", c)
	}
	if txt, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output(); err != nil {
		t.Fatalf("pdftotext: %v", err)
	} else if !strings.Contains(string(txt), "Exposure report: eve (examiner)") || !strings.Contains(string(txt), "65.0") || !strings.Contains(string(txt), "daily limit 1m0s") {
		t.Fatalf("PDF text:\n%s", txt)
	}
	if out := mustScrim(t, "exposure", "--examiner", "eve", "--since", "2026-12-08"); !strings.Contains(out, "no exposure recorded") {
		t.Fatalf("empty range: %s", out)
	}
	expect(scrim(t, "exposure", "--since", "7/12/2026"), 2, "want YYYY-MM-DD")
	expect(scrim(t, "exposure", "--examiner", "nobody"), 1, "no profile or exposure")

	expect(scrim(t, "profile", "audit", "verify"), 0, "workstation audit log intact")
	show := mustScrim(t, "profile", "audit", "show")
	for _, w := range []string{"profile-add", "sign-in-failed", "policy-change", "reveal_per_day=20m0s → 1m0s"} {
		if !strings.Contains(show, w) {
			t.Fatalf("audit show lacks %q:\n%s", w, show)
		}
	}
}
