// Package hometest is one test suite of a workstation's behaviour that
// runs on the embedded store alone and joined to a lab: sign-in and
// lockout, policy, reveal budgets, breaks, exposure figures and the audit.
package hometest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"scrim/profile"
)

// Clock is the suite's test clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// CheapPIN is the argon2id cost of the suite's PINs: the default costs
// about a second a hash under -race, and the suite checks no hash's strength.
func CheapPIN() profile.PINCost { return profile.PINCost{MemoryKiB: 64, Passes: 1} }

// Opener opens a fresh workstation store (on a fresh lab, if any) with
// these options; Clock and Location are set by the suite.
type Opener func(t *testing.T, opt profile.Options) *profile.Home

// Run runs the suite.
func Run(t *testing.T, open Opener) {
	setup := func(t *testing.T) (*profile.Home, *Clock, *profile.Session, *profile.Session) {
		c := &Clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		h := open(t, profile.Options{Clock: c.Now, Location: time.UTC, Lockout: time.Minute, PINCost: CheapPIN()})
		t.Cleanup(func() { h.Close() })
		if err := h.AddProfile(nil, "sam", profile.RoleSupervisor, "2468"); err != nil {
			t.Fatal(err)
		}
		sam, err := h.SignIn("sam", "2468")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.AddProfile(sam, "eve", profile.RoleExaminer, "1357"); err != nil {
			t.Fatal(err)
		}
		eve, err := h.SignIn("eve", "1357")
		if err != nil {
			t.Fatal(err)
		}
		return h, c, sam, eve
	}

	t.Run("Lockout", func(t *testing.T) {
		h, c, sam, eve := setup(t)
		if err := h.AddProfile(eve, "bob", profile.RoleExaminer, "1111"); !errors.Is(err, profile.ErrNotAllowed) {
			t.Fatalf("an examiner added a profile: %v", err)
		}
		if err := h.AddProfile(sam, "eve", profile.RoleExaminer, "1111"); !errors.Is(err, profile.ErrExists) {
			t.Fatalf("eve added twice: %v", err)
		}
		for i := 1; i < profile.MaxFailures; i++ {
			if _, err := h.SignIn("eve", "0000"); !errors.Is(err, profile.ErrBadPIN) {
				t.Fatalf("wrong PIN %d: %v", i, err)
			}
		}
		if _, err := h.SignIn("eve", "0000"); !errors.Is(err, profile.ErrLockedOut) {
			t.Fatalf("wrong PIN %d: %v", profile.MaxFailures, err)
		}
		if _, err := h.SignIn("eve", "1357"); !errors.Is(err, profile.ErrLockedOut) {
			t.Fatalf("right PIN while locked: %v", err)
		}
		c.Add(time.Minute + time.Second)
		if _, err := h.SignIn("eve", "1357"); err != nil {
			t.Fatalf("right PIN after the lockout: %v", err)
		}
		ps, err := h.Profiles()
		if err != nil || len(ps) != 2 || ps[0].Name != "eve" || ps[0].Failures != 0 || ps[0].PINHash != "" {
			t.Fatalf("profiles %+v, %v", ps, err)
		}
		if ck, err := h.VerifyAudit(); err != nil || !ck.OK {
			t.Fatalf("audit %+v, %v", ck, err)
		}
	})

	t.Run("PolicyAndBudget", func(t *testing.T) {
		h, c, sam, eve := setup(t)
		p := profile.DefaultPolicy
		p.MaxReveal, p.RevealPerHour, p.RevealPerDay = 5*time.Second, 8*time.Second, 0
		if err := h.SetPolicy(sam, "0000", p); err == nil {
			t.Fatal("policy set with a wrong PIN")
		}
		if err := h.SetPolicy(eve, "1357", p); !errors.Is(err, profile.ErrNotAllowed) {
			t.Fatalf("an examiner set the policy: %v", err)
		}
		if err := h.SetPolicy(sam, "2468", p); err != nil {
			t.Fatal(err)
		}
		if got, err := h.Policy(); err != nil || got != p {
			t.Fatalf("policy %+v, %v", got, err)
		}
		if d, err := h.CheckReveal(eve, profile.ModeRevealColour); err != nil || d.Allowed {
			t.Fatalf("colour reveal while colour is off: %+v, %v", d, err)
		}
		for i, want := range []time.Duration{5 * time.Second, 3 * time.Second} {
			d, err := h.CheckReveal(eve, profile.ModeReveal)
			if err != nil || !d.Allowed || d.Max != want {
				t.Fatalf("reveal %d: %+v, %v; want up to %s", i, d, err, want)
			}
			id, err := h.BeginExposure(eve, profile.Exposure{Case: "op", SHA256: "ab", Mode: profile.ModeReveal})
			if err != nil {
				t.Fatal(err)
			}
			c.Add(d.Max)
			if _, err := h.EndExposure(id, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.EndExposure(id, time.Time{}); !errors.Is(err, profile.ErrClosed) {
				t.Fatalf("ended twice: %v", err)
			}
		}
		if d, err := h.CheckReveal(eve, profile.ModeReveal); err != nil || d.Allowed {
			t.Fatalf("reveal with the hour's budget spent: %+v, %v", d, err)
		}
		if d, err := h.CheckReveal(eve, profile.ModeGrid); err != nil || !d.Allowed {
			t.Fatalf("grid with the budget spent: %+v, %v", d, err)
		}
		c.Add(time.Hour)
		if d, err := h.CheckReveal(eve, profile.ModeReveal); err != nil || !d.Allowed {
			t.Fatalf("reveal an hour later: %+v, %v", d, err)
		}
	})

	t.Run("BreaksAndFigures", func(t *testing.T) {
		h, c, _, eve := setup(t)
		grid, err := h.BeginExposure(eve, profile.Exposure{Case: "op", Mode: profile.ModeGrid})
		if err != nil {
			t.Fatal(err)
		}
		c.Add(profile.DefaultPolicy.BreakAfter)
		if _, err := h.EndExposure(grid, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if bs, err := h.BreakStatus(eve); err != nil || !bs.Due {
			t.Fatalf("break status after %s of review: %+v, %v", profile.DefaultPolicy.BreakAfter, bs, err)
		}
		if d, err := h.CheckReveal(eve, profile.ModeGrid); err != nil || d.Allowed {
			t.Fatalf("grid with a break due: %+v, %v", d, err)
		}
		if err := h.StartBreak(eve); err != nil {
			t.Fatal(err)
		}
		if err := h.StartBreak(eve); err == nil {
			t.Fatal("two breaks at once")
		}
		c.Add(profile.DefaultPolicy.BreakLength)
		b, err := h.EndBreak(eve)
		if err != nil || b.EndedEarly {
			t.Fatalf("break %+v, %v", b, err)
		}
		if bs, err := h.BreakStatus(eve); err != nil || bs.Due || bs.OnBreak {
			t.Fatalf("break status after the break: %+v, %v", bs, err)
		}
		if err := h.RecordReview(eve, "op", "AB", "1"); err != nil {
			t.Fatal(err)
		}
		sum, err := h.Summary(profile.Filter{})
		if err != nil || len(sum) != 2 {
			t.Fatalf("summary %+v, %v", sum, err)
		}
		e := sum[0]
		if e.Examiner != "eve" || len(e.Days) != 1 || e.Days[0].GridSeconds != profile.DefaultPolicy.BreakAfter.Seconds() ||
			e.Days[0].ItemsReviewed != 1 || e.Days[0].Categories["1"] != 1 || e.BreaksTaken != 1 {
			t.Fatalf("eve's figures %+v", e)
		}
		evs, err := h.Events("eve", time.Time{}, time.Time{})
		if err != nil || len(evs) != 1 || evs[0].Mode != profile.ModeGrid {
			t.Fatalf("events %+v, %v", evs, err)
		}
	})
}
