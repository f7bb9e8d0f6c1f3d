package lab_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"scrim/lab"
	"scrim/lab/labtest"
	"scrim/profile"
	"scrim/profile/hometest"
)

// clock is an injectable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openHome opens a workstation store in dir joined to the lab at url.
func openHome(t testing.TB, dir, url string, now func() time.Time) *profile.Home {
	t.Helper()
	h, err := profile.Open(dir, profile.Options{Clock: now, Location: time.UTC, LabURL: url, ConnectLab: lab.Connect, PINCost: hometest.CheapPIN()})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func flush(t testing.TB, h *profile.Home) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n, err := h.Flush(ctx); err != nil || n != 0 {
		t.Fatalf("flush: %d left, %v", n, err)
	}
}

func signIn(t testing.TB, h *profile.Home, name, pin string) *profile.Session {
	t.Helper()
	s, err := h.SignIn(name, pin)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reveal records one reveal of d on h by s.
func reveal(t testing.TB, h *profile.Home, s *profile.Session, c *clock, sha string, d time.Duration) {
	t.Helper()
	dec, err := h.CheckReveal(s, profile.ModeReveal)
	if err != nil || !dec.Allowed {
		t.Fatalf("reveal refused: %+v, %v", dec, err)
	}
	id, err := h.BeginExposure(s, profile.Exposure{Case: "op-x", SHA256: sha, Mode: profile.ModeReveal})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(d)
	if _, err := h.EndExposure(id, time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, url, sql string) int {
	t.Helper()
	l := open(t.(*testing.T), url)
	var n int
	if err := l.Pool().QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two workstation homes on one lab: a profile made on one signs in on the
// other, the policy is one, and each sees both workstations' exposure.
func TestTwoWorkstationsOneLab(t *testing.T) {
	url := initLab(t)
	ws := workstationURL(t, url) // the workstations use only their role's GRANTs
	c := newClock()
	a := openHome(t, t.TempDir(), ws, c.Now)
	defer a.Close()
	b := openHome(t, t.TempDir(), ws, c.Now)
	defer b.Close()
	if a.Workstation() == "" || a.Workstation() == b.Workstation() {
		t.Fatalf("workstation IDs %q and %q", a.Workstation(), b.Workstation())
	}
	if err := a.AddProfile(nil, "sam", profile.RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	if err := b.AddProfile(nil, "sue", profile.RoleSupervisor, "1111"); !errors.Is(err, profile.ErrNotAllowed) {
		t.Fatalf("a second first profile on another workstation: %v", err)
	}
	sam := signIn(t, a, "sam", "2468")
	if err := a.AddProfile(sam, "eve", profile.RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SignIn("eve", "0000"); !errors.Is(err, profile.ErrBadPIN) {
		t.Fatalf("wrong PIN on b: %v", err)
	}
	eveB := signIn(t, b, "eve", "1357")
	eveA := signIn(t, a, "eve", "1357")

	// The PIN never reaches the server: it holds an argon2id hash only.
	if n := count(t, url, `SELECT count(*) FROM profiles WHERE pin_hash LIKE '$argon2id$%' AND pin_hash NOT LIKE '%1357%'`); n != 2 {
		t.Fatalf("%d profiles with an argon2id hash, want 2", n)
	}

	pol := profile.DefaultPolicy
	pol.MaxReveal, pol.ColourAllowed = 7*time.Second, true
	if err := a.SetPolicy(sam, "2468", pol); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Policy(); err != nil || got != pol {
		t.Fatalf("policy on b: %+v, %v", got, err)
	}

	reveal(t, a, eveA, c, "aa", 3*time.Second)
	reveal(t, b, eveB, c, "bb", 2*time.Second)
	if err := b.RecordReview(eveB, "op-x", "BB", "1"); err != nil {
		t.Fatal(err)
	}
	flush(t, a)
	flush(t, b)
	for _, h := range []*profile.Home{a, b} {
		sum, err := h.Summary(profile.Filter{Examiner: "eve"})
		if err != nil {
			t.Fatal(err)
		}
		if d := sum[0].Days[0]; len(sum) != 1 || d.Reveals != 2 || d.RevealedSeconds != 5 || d.ItemsReviewed != 1 {
			t.Fatalf("summary on %s: %+v", h.Workstation(), sum)
		}
		evs, err := h.Events("", time.Time{}, time.Time{})
		if err != nil || len(evs) != 2 {
			t.Fatalf("events on %s: %+v, %v", h.Workstation(), evs, err)
		}
	}
	// The lab's chain holds both workstations' entries, linked.
	l := open(t, url)
	ck, err := l.VerifyAudit(context.Background())
	if err != nil || !ck.OK || ck.Entries < 6 {
		t.Fatalf("lab audit: %+v, %v", ck, err)
	}
	from := map[string]bool{}
	entries, err := l.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		from[e.Detail["workstation"]] = true
	}
	if !from[a.Workstation()] || !from[b.Workstation()] {
		t.Fatalf("lab audit from workstations %v", from)
	}
	// A budget spent on one workstation counts on the other.
	pol.RevealPerHour = 6 * time.Second
	if err := a.SetPolicy(sam, "2468", pol); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Policy(); err != nil { // b rereads at once, not after its cache's 10 s
		t.Fatal(err)
	}
	dec, err := b.CheckReveal(eveB, profile.ModeReveal)
	if err != nil || !dec.Allowed || dec.Max != time.Second {
		t.Fatalf("decision on b after 5 s revealed in the hour on two workstations: %+v, %v", dec, err)
	}
}

// Stop PostgreSQL mid-session, make reveals, restart, count: each event is
// in the lab exactly once; after the policy's grace period without the
// lab, reveals are refused while the blurred grid stays open.
func TestLabLostAndBack(t *testing.T) {
	url := initLab(t)
	cl := labtest.Get(t)
	c := newClock()
	h := openHome(t, t.TempDir(), workstationURL(t, url), c.Now)
	defer h.Close()
	if err := h.AddProfile(nil, "sam", profile.RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	sam := signIn(t, h, "sam", "2468")
	if err := h.AddProfile(sam, "eve", profile.RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	eve := signIn(t, h, "eve", "1357")
	for i := range 3 {
		reveal(t, h, eve, c, fmt.Sprintf("a%d", i), time.Second)
	}
	flush(t, h)

	if err := cl.Kill(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			cl.Restart()
		}
	}()
	for i := range 4 { // within the grace period: reveals go on, recorded here
		reveal(t, h, eve, c, fmt.Sprintf("b%d", i), time.Second)
	}
	if st, _ := h.LabState(); st.Up || st.Pending == 0 {
		t.Fatalf("lab state with the server down: %+v", st)
	}
	c.Add(profile.DefaultPolicy.LabGrace + time.Second)
	dec, err := h.CheckReveal(eve, profile.ModeReveal)
	if err != nil || dec.Allowed {
		t.Fatalf("reveal after the grace period without the lab: %+v, %v", dec, err)
	}
	t.Logf("refused: %s", dec.Reason)
	if dec, err := h.CheckReveal(eve, profile.ModeGrid); err != nil || !dec.Allowed {
		t.Fatalf("blurred grid without the lab: %+v, %v", dec, err)
	}
	grid, err := h.BeginExposure(eve, profile.Exposure{Case: "op-x", Mode: profile.ModeGrid})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	if _, err := h.EndExposure(grid, time.Time{}); err != nil {
		t.Fatal(err)
	}

	if err := cl.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	// The background sender notices the lab is back and sends what it
	// holds, with no one asking.
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := h.LabState()
		if err != nil {
			t.Fatal(err)
		}
		if st.Up && st.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the lab came back: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := count(t, url, `SELECT count(*) FROM exposure`); n != 8 {
		t.Fatalf("%d exposure rows in the lab, want 8", n)
	}
	if n := count(t, url, `SELECT count(DISTINCT (workstation, id)) FROM exposure`); n != 8 {
		t.Fatalf("%d distinct exposures in the lab, want 8", n)
	}
	if dec, err := h.CheckReveal(eve, profile.ModeReveal); err != nil || !dec.Allowed {
		t.Fatalf("reveal with the lab back: %+v, %v", dec, err)
	}
	local, err := h.Audit()
	if err != nil {
		t.Fatal(err)
	}
	l := open(t, url)
	ck, err := l.VerifyAudit(context.Background())
	if err != nil || !ck.OK || ck.Entries != uint64(len(local)) {
		t.Fatalf("lab audit %+v (%v), local chain has %d", ck, err, len(local))
	}
}

// The server killed while records are on their way: none lost, none twice.
func TestServerKilledMidWrite(t *testing.T) {
	url := initLab(t)
	cl := labtest.Get(t)
	c := newClock()
	h := openHome(t, t.TempDir(), url, c.Now)
	defer h.Close()
	if err := h.AddProfile(nil, "sam", profile.RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	sam := signIn(t, h, "sam", "2468")
	const n = 1500
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(150 * time.Millisecond)
		if err := cl.Kill(); err != nil {
			t.Error(err)
		}
		time.Sleep(300 * time.Millisecond)
		if err := cl.Restart(); err != nil {
			t.Error(err)
		}
	}()
	for i := range n {
		id, err := h.BeginExposure(sam, profile.Exposure{Case: "op-x", SHA256: fmt.Sprintf("%064x", i), Mode: profile.ModeGrid})
		if err != nil {
			t.Fatal(err)
		}
		c.Add(time.Millisecond)
		if _, err := h.EndExposure(id, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	flush(t, h)
	if got := count(t, url, `SELECT count(*) FROM exposure`); got != n {
		t.Fatalf("%d exposure rows in the lab, want %d", got, n)
	}
	local, _ := h.Audit()
	ck, err := open(t, url).VerifyAudit(context.Background())
	if err != nil || !ck.OK || ck.Entries != uint64(len(local)) {
		t.Fatalf("lab audit %+v (%v), local chain has %d", ck, err, len(local))
	}
}

const childReveals = 30

// workstationChild is one workstation process: eve signs in, makes
// childReveals reveals and as many reviews, and closes (which sends).
func workstationChild(dir, url string) int {
	h, err := profile.Open(dir, profile.Options{LabURL: url, ConnectLab: lab.Connect, PINCost: hometest.CheapPIN()})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	s, err := h.SignIn("eve", "1357")
	for i := 0; err == nil && i < childReveals; i++ {
		var id string
		if id, err = h.BeginExposure(s, profile.Exposure{Case: "op-x", SHA256: fmt.Sprintf("%064x", i), Mode: profile.ModeReveal}); err == nil {
			if _, err = h.EndExposure(id, time.Time{}); err == nil {
				err = h.RecordReview(s, "op-x", fmt.Sprintf("%064x", i), "5")
			}
		}
	}
	if cerr := h.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	return 0
}

// Several workstation processes at once on one lab: every event and review
// arrives once, and the lab's audit chain links every workstation's
// entries in one unbroken line.
func TestWorkstationProcesses(t *testing.T) {
	url := initLab(t)
	c := newClock()
	root := t.TempDir()
	h := openHome(t, filepath.Join(root, "ws0"), url, c.Now)
	if err := h.AddProfile(nil, "sam", profile.RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	sam := signIn(t, h, "sam", "2468")
	if err := h.AddProfile(sam, "eve", profile.RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	h.Close()
	const procs = 4
	var wg sync.WaitGroup
	for i := 1; i <= procs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "SCRIM_LAB_CHILD_HOME="+filepath.Join(root, fmt.Sprintf("ws%d", i)), "SCRIM_LAB_CHILD_URL="+url)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("workstation %d: %v: %s", i, err, out)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := count(t, url, `SELECT count(*) FROM exposure`); n != procs*childReveals {
		t.Fatalf("%d exposure rows, want %d", n, procs*childReveals)
	}
	if n := count(t, url, `SELECT count(*) FROM reviews`); n != procs*childReveals {
		t.Fatalf("%d review rows, want %d", n, procs*childReveals)
	}
	if n := count(t, url, `SELECT count(DISTINCT workstation) FROM exposure`); n != procs {
		t.Fatalf("exposure from %d workstations, want %d", n, procs)
	}
	local := 0
	for i := 0; i <= procs; i++ {
		h := openHome(t, filepath.Join(root, fmt.Sprintf("ws%d", i)), url, c.Now)
		es, err := h.Audit()
		if err != nil {
			t.Fatal(err)
		}
		local += len(es)
		flush(t, h)
		h.Close()
	}
	ck, err := open(t, url).VerifyAudit(context.Background())
	if err != nil || !ck.OK || ck.Entries != uint64(local) {
		t.Fatalf("lab audit %+v (%v); the workstations' chains hold %d entries", ck, err, local)
	}
	// One report shows eve's reveals from every workstation.
	h = openHome(t, filepath.Join(root, "ws0"), url, c.Now)
	defer h.Close()
	sum, err := h.Summary(profile.Filter{Examiner: "eve"})
	if err != nil {
		t.Fatal(err)
	}
	reveals, reviewed := 0, 0
	for _, d := range sum[0].Days {
		reveals += d.Reveals
		reviewed += d.ItemsReviewed
	}
	if reveals != procs*childReveals || reviewed != procs*childReveals {
		t.Fatalf("summary on ws0: %d reveals, %d reviewed; want %d each", reveals, reviewed, procs*childReveals)
	}
}

// The workstation suite joined to a lab (profile/hometest; the embedded
// store runs it in package profile).
func TestHomeSuiteLab(t *testing.T) {
	hometest.Run(t, func(t *testing.T, opt profile.Options) *profile.Home {
		opt.LabURL, opt.ConnectLab = workstationURL(t, initLab(t)), lab.Connect
		h, err := profile.Open(t.TempDir(), opt)
		if err != nil {
			t.Fatal(err)
		}
		return h
	})
}
