package profile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// clock is the injectable test clock.
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
func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// cheapPIN is the argon2id cost of the tests' PINs: the default costs
// about a second a hash under -race. TestProfilesAndSignIn keeps the default.
var cheapPIN = PINCost{MemoryKiB: 64, Passes: 1}

func openHome(t *testing.T, dir string, c *clock) *Home {
	t.Helper()
	return openHomeCost(t, dir, c, cheapPIN)
}

func openHomeCost(t *testing.T, dir string, c *clock, cost PINCost) *Home {
	t.Helper()
	h, err := Open(dir, Options{Clock: c.Now, Location: time.UTC, PINCost: cost})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// setup makes a home with supervisor "sam" (PIN 2468) and examiner "eve" (1357).
func setup(t *testing.T) (*Home, *clock, *Session, *Session) {
	t.Helper()
	c := newClock()
	h := openHome(t, t.TempDir(), c)
	t.Cleanup(func() { h.Close() })
	if err := h.AddProfile(nil, "sam", RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	sam, err := h.SignIn("sam", "2468")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddProfile(sam, "eve", RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	eve, err := h.SignIn("eve", "1357")
	if err != nil {
		t.Fatal(err)
	}
	return h, c, sam, eve
}

func auditActions(t *testing.T, h *Home) []string {
	t.Helper()
	es, err := h.Audit()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Actor+":"+e.Action)
	}
	return out
}

func TestProfilesAndSignIn(t *testing.T) {
	c := newClock()
	h := openHomeCost(t, t.TempDir(), c, PINCost{}) // the default cost
	defer h.Close()
	if err := h.AddProfile(nil, "eve", RoleExaminer, "1357"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("first profile as examiner: %v", err)
	}
	if err := h.AddProfile(nil, "sam", RoleSupervisor, "123"); err == nil {
		t.Fatal("3-character PIN accepted")
	}
	if err := h.AddProfile(nil, "sam/x", RoleSupervisor, "2468"); err == nil {
		t.Fatal("name with / accepted")
	}
	if err := h.AddProfile(nil, "sam", RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	if err := h.AddProfile(nil, "eve", RoleExaminer, "1357"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("second profile without a session: %v", err)
	}
	if err := h.AddProfile(&Session{Name: "sam", Role: RoleSupervisor}, "eve", RoleExaminer, "1357"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("hand-made session accepted: %v", err)
	}
	sam, err := h.SignIn("sam", "2468")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddProfile(sam, "eve", RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	if err := h.AddProfile(sam, "eve", RoleExaminer, "9999"); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	eve, err := h.SignIn("eve", "1357")
	if err != nil || eve.Role != RoleExaminer || !eve.Start.Equal(c.Now()) {
		t.Fatalf("eve: %+v %v", eve, err)
	}
	if err := h.AddProfile(eve, "mal", RoleExaminer, "0000"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("examiner added a profile: %v", err)
	}
	ps, err := h.Profiles()
	if err != nil || len(ps) != 2 || ps[0].Name != "eve" || ps[1].Name != "sam" || ps[0].PINHash != "" || ps[0].CreatedBy != "sam" {
		t.Fatalf("profiles: %+v %v", ps, err)
	}

	// PINs are argon2id with a random salt, never stored plain.
	var raw Profile
	h.view(func(txn *badger.Txn) error { _, err := getJSON(txn, "u/eve", &raw); return err })
	if !strings.HasPrefix(raw.PINHash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(raw.PINHash, "1357") {
		t.Fatalf("stored hash %q", raw.PINHash)
	}
	h2, _ := hashPIN("1357", PINCost{}.withDefault())
	if h2 == raw.PINHash {
		t.Fatal("same PIN hashed twice to the same string: no random salt")
	}

	// Five wrong PINs lock the profile, even against the right PIN, for a minute.
	if _, err := h.SignIn("nobody", "1357"); !errors.Is(err, ErrBadPIN) {
		t.Fatalf("unknown name: %v", err)
	}
	for i := 1; i <= 4; i++ {
		if _, err := h.SignIn("eve", "0000"); !errors.Is(err, ErrBadPIN) {
			t.Fatalf("wrong PIN %d: %v", i, err)
		}
	}
	if _, err := h.SignIn("eve", "0000"); !errors.Is(err, ErrLockedOut) {
		t.Fatalf("fifth wrong PIN: %v", err)
	}
	if _, err := h.SignIn("eve", "1357"); !errors.Is(err, ErrLockedOut) {
		t.Fatalf("right PIN while locked: %v", err)
	}
	c.Add(61 * time.Second)
	if _, err := h.SignIn("eve", "1357"); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	got := strings.Join(auditActions(t, h), " ")
	want := "sam:profile-add sam:sign-in sam:profile-add eve:sign-in nobody:sign-in-failed " +
		strings.Repeat("eve:sign-in-failed ", 6) + "eve:sign-in"
	if got != want {
		t.Fatalf("audit:\n got %s\nwant %s", got, want)
	}
	if ck, err := h.VerifyAudit(); err != nil || !ck.OK || ck.Entries != 12 {
		t.Fatalf("verify: %+v %v", ck, err)
	}
}

func TestExposureDurations(t *testing.T) {
	h, c, _, eve := setup(t)
	start := c.Now()
	grid, err := h.BeginExposure(eve, Exposure{Case: "op-x", Mode: ModeGrid, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	rv, err := h.BeginExposure(eve, Exposure{Case: "op-x", SHA256: "ab", Mode: ModeReveal, Start: start.Add(10 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.BeginExposure(eve, Exposure{Mode: "peek"}); err == nil {
		t.Fatal("unknown mode accepted")
	}
	ev, err := h.EndExposure(rv, start.Add(10*time.Second+3456*time.Millisecond+789*time.Microsecond))
	if err != nil || ev.DurationMS != 3456 || ev.Duration() != 3456*time.Millisecond || ev.Open {
		t.Fatalf("reveal: %+v %v", ev, err)
	}
	if _, err := h.EndExposure(rv, start.Add(time.Minute)); !errors.Is(err, ErrClosed) {
		t.Fatalf("ended twice: %v", err)
	}
	c.Add(2 * time.Minute)
	if ev, err = h.EndExposure(grid, time.Time{}); err != nil || ev.DurationMS != 120000 {
		t.Fatalf("grid: %+v %v", ev, err)
	}
	sum, err := h.Summary(Filter{Examiner: "eve"})
	if err != nil {
		t.Fatal(err)
	}
	d := sum[0].Days[0]
	if len(sum) != 1 || d.GridSeconds != 120 || d.RevealedSeconds != 3.456 || d.Reveals != 1 {
		t.Fatalf("summary: %+v", sum)
	}
}

// The crash test's child: it begins an exposure, heartbeats once, reports
// the ID and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SCRIM_PROFILE_CHILD"); dir != "" {
		os.Exit(child(dir))
	}
	os.Exit(m.Run())
}

func child(dir string) int {
	c := newClock()
	h, err := Open(dir, Options{Clock: c.Now, Location: time.UTC, PINCost: cheapPIN})
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	s, err := h.SignIn("eve", "1357")
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	id, err := h.BeginExposure(s, Exposure{Case: "op-x", SHA256: "cd", Mode: ModeRevealColour})
	if err == nil {
		c.Add(1500 * time.Millisecond)
		err = h.Heartbeat(id)
	}
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("open", id)
	time.Sleep(time.Minute)
	return 0
}

func TestInterruptedByKill(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	h := openHome(t, dir, c)
	if err := h.AddProfile(nil, "sam", RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	sam, _ := h.SignIn("sam", "2468")
	if err := h.AddProfile(sam, "eve", RoleExaminer, "1357"); err != nil {
		t.Fatal(err)
	}
	h.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SCRIM_PROFILE_CHILD="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	id, ok := strings.CutPrefix(strings.TrimSpace(line), "open ")
	if !ok {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q", line)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() {
		t.Fatal("child was not killed")
	}

	c.Add(time.Hour)
	h = openHome(t, dir, c)
	defer h.Close()
	evs, err := h.Events("eve", time.Time{}, time.Time{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events: %+v %v", evs, err)
	}
	ev := evs[0]
	if ev.ID != id || ev.Open || !ev.Interrupted || ev.DurationMS != 1500 || !ev.End.Equal(ev.Start.Add(1500*time.Millisecond)) {
		t.Fatalf("interrupted exposure: %+v", ev)
	}
	acts := auditActions(t, h)
	if acts[len(acts)-1] != "eve:exposure-interrupted" {
		t.Fatalf("audit: %v", acts)
	}
	sum, _ := h.Summary(Filter{Examiner: "eve"})
	if d := sum[0].Days[0]; d.Interrupted != 1 || d.RevealedSeconds != 1.5 {
		t.Fatalf("summary: %+v", d)
	}
	// Reopening again closes nothing twice.
	h.Close()
	h = openHome(t, dir, c)
	if n := len(auditActions(t, h)); n != len(acts) {
		t.Fatalf("second reopen added %d audit entries", n-len(acts))
	}
}

func TestPolicyAndCheckReveal(t *testing.T) {
	h, c, sam, eve := setup(t)
	if p, _ := h.Policy(); p != DefaultPolicy || p.MaxReveal != 5*time.Second || p.ColourAllowed {
		t.Fatalf("default policy %+v", p)
	}
	d, err := h.CheckReveal(eve, ModeReveal)
	if err != nil || !d.Allowed || d.Max != 5*time.Second {
		t.Fatalf("default reveal: %+v %v", d, err)
	}
	if d, _ := h.CheckReveal(eve, ModeRevealColour); d.Allowed || !strings.Contains(d.Reason, "Colour") {
		t.Fatalf("colour by default: %+v", d)
	}
	p := Policy{MaxReveal: 8 * time.Second, RevealPerHour: 20 * time.Second, RevealPerDay: 30 * time.Second,
		BreakAfter: 50 * time.Minute, BreakLength: 10 * time.Minute, ColourAllowed: true}
	if err := h.SetPolicy(eve, "1357", p); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("examiner set policy: %v", err)
	}
	if err := h.SetPolicy(sam, "0000", p); !errors.Is(err, ErrBadPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if err := h.SetPolicy(sam, "2468", Policy{}); err == nil {
		t.Fatal("zero policy accepted")
	}
	if err := h.SetPolicy(sam, "2468", p); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.Policy(); got != p {
		t.Fatalf("policy %+v", got)
	}
	es, _ := h.Audit()
	last := es[len(es)-1]
	if last.Action != "policy-change" || last.Detail["max_reveal"] != "5s → 8s" || last.Detail["colour_allowed"] != "false → true" {
		t.Fatalf("policy audit %+v", last)
	}
	if es[len(es)-2].Action != "pin-check-failed" {
		t.Fatalf("wrong PIN at set policy not audited: %+v", es[len(es)-2])
	}

	reveal := func(mode string, d time.Duration) {
		t.Helper()
		id, err := h.BeginExposure(eve, Exposure{Case: "op", SHA256: "ab", Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.EndExposure(id, c.Add(d)); err != nil {
			t.Fatal(err)
		}
	}
	reveal(ModeRevealColour, 8*time.Second)
	reveal(ModeReveal, 8*time.Second) // 16 s this hour
	c.Add(time.Minute)
	if d, _ := h.CheckReveal(eve, ModeReveal); !d.Allowed || d.Max != 4*time.Second || !strings.Contains(d.Reason, "4 seconds") {
		t.Fatalf("hour budget should cap at 4 s: %+v", d)
	}
	reveal(ModeFull, 4*time.Second) // 20 s: hour used
	d, _ = h.CheckReveal(eve, ModeVideo)
	if d.Allowed || !strings.Contains(d.Reason, "this hour") || !strings.Contains(d.Reason, "59 minutes") {
		t.Fatalf("hour used: %+v", d)
	}
	if d, _ := h.CheckReveal(eve, ModeGrid); !d.Allowed {
		t.Fatalf("grid refused: %+v", d)
	}
	c.Add(time.Hour)
	if d, _ := h.CheckReveal(eve, ModeReveal); !d.Allowed || d.Max != 8*time.Second {
		t.Fatalf("new hour: %+v", d)
	}
	reveal(ModeReveal, 8*time.Second) // 28 s today
	if d, _ := h.CheckReveal(eve, ModeReveal); !d.Allowed || d.Max != 2*time.Second || !strings.Contains(d.Reason, "today") {
		t.Fatalf("day budget should cap at 2 s: %+v", d)
	}
	reveal(ModeReveal, 3*time.Second) // 31 s: over the day
	c.Add(2 * time.Hour)
	if d, _ := h.CheckReveal(eve, ModeReveal); d.Allowed || !strings.Contains(d.Reason, "tomorrow") {
		t.Fatalf("day used: %+v", d)
	}
	sum, _ := h.Summary(Filter{Examiner: "eve"})
	if !sum[0].OverLimit || !sum[0].Days[0].OverLimit || sum[0].Days[0].RevealedSeconds != 31 || sum[0].Days[0].Reveals != 5 {
		t.Fatalf("over limit: %+v", sum[0])
	}
	c.Set(time.Date(2026, 11, 24, 0, 0, 1, 0, time.UTC))
	if d, _ := h.CheckReveal(eve, ModeReveal); !d.Allowed {
		t.Fatalf("next day: %+v", d)
	}
}

func TestBreaks(t *testing.T) {
	h, c, _, eve := setup(t)
	review := func(d time.Duration) {
		t.Helper()
		id, err := h.BeginExposure(eve, Exposure{Case: "op", Mode: ModeGrid})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.EndExposure(id, c.Add(d)); err != nil {
			t.Fatal(err)
		}
	}
	status := func() BreakState {
		t.Helper()
		bs, err := h.BreakStatus(eve)
		if err != nil {
			t.Fatal(err)
		}
		return bs
	}
	review(30 * time.Minute)
	c.Add(5 * time.Minute) // a short pause does not reset
	review(20 * time.Minute)
	if bs := status(); !bs.Due || bs.ReviewedFor != 50*time.Minute {
		t.Fatalf("after 50 min: %+v", bs)
	}
	if d, _ := h.CheckReveal(eve, ModeReveal); d.Allowed || !strings.Contains(d.Reason, "break") {
		t.Fatalf("reveal with a break due: %+v", d)
	}
	if err := h.StartBreak(eve); err != nil {
		t.Fatal(err)
	}
	c.Add(4 * time.Minute)
	if bs := status(); !bs.OnBreak || bs.Due || bs.Remaining != 6*time.Minute {
		t.Fatalf("on break: %+v", bs)
	}
	if d, _ := h.CheckReveal(eve, ModeGrid); d.Allowed || !strings.Contains(d.Reason, "6 minutes") {
		t.Fatalf("grid on a break: %+v", d)
	}
	if b, err := h.EndBreak(eve); err != nil || !b.EndedEarly {
		t.Fatalf("early end: %+v %v", b, err)
	}
	review(time.Minute) // the early break did not reset the counter
	if bs := status(); !bs.Due || bs.ReviewedFor != 51*time.Minute {
		t.Fatalf("after an early break: %+v", bs)
	}
	if err := h.StartBreak(eve); err != nil {
		t.Fatal(err)
	}
	c.Add(10 * time.Minute)
	if b, err := h.EndBreak(eve); err != nil || b.EndedEarly {
		t.Fatalf("full break: %+v %v", b, err)
	}
	if bs := status(); bs.Due || bs.ReviewedFor != 0 {
		t.Fatalf("after a full break: %+v", bs)
	}
	review(40 * time.Minute)
	c.Add(10 * time.Minute) // a gap as long as a break resets too
	review(45 * time.Minute)
	if bs := status(); bs.Due || bs.ReviewedFor != 45*time.Minute {
		t.Fatalf("after a long gap: %+v", bs)
	}
	review(60 * time.Minute) // 105 min without a break: one break skipped
	sum, _ := h.Summary(Filter{Examiner: "eve"})
	s := sum[0]
	if s.BreaksTaken != 1 || s.BreaksEndedEarly != 1 || s.BreaksSkipped != 1 {
		t.Fatalf("breaks: taken %d early %d skipped %d", s.BreaksTaken, s.BreaksEndedEarly, s.BreaksSkipped)
	}
	acts := strings.Join(auditActions(t, h), " ")
	if strings.Count(acts, "eve:break-start") != 2 || strings.Count(acts, "eve:break-end") != 2 {
		t.Fatalf("breaks not audited: %s", acts)
	}
}

// TestAuditTamper edits, deletes, reorders and truncates entries directly in
// Badger; VerifyAudit names the first broken entry each time.
func TestAuditTamper(t *testing.T) {
	build := func(t *testing.T) string {
		dir := t.TempDir()
		c := newClock()
		h := openHome(t, dir, c)
		if err := h.AddProfile(nil, "sam", RoleSupervisor, "2468"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			c.Add(time.Second)
			h.SignIn("sam", "2468")
		}
		if ck, err := h.VerifyAudit(); err != nil || !ck.OK || ck.Entries != 5 {
			t.Fatalf("intact: %+v %v", ck, err)
		}
		h.Close()
		return dir
	}
	raw := func(t *testing.T, dir string, fn func(txn *badger.Txn)) {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(txn *badger.Txn) error { fn(txn); return nil }); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	get := func(txn *badger.Txn, k string) []byte {
		it, err := txn.Get([]byte(k))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := it.ValueCopy(nil)
		return v
	}
	cases := []struct {
		name   string
		tamper func(txn *badger.Txn)
		broken uint64
	}{
		{"edit", func(txn *badger.Txn) {
			v := bytes.Replace(get(txn, "a/0000000000000003"), []byte(`"sign-in"`), []byte(`"sign-in-failed"`), 1)
			txn.Set([]byte("a/0000000000000003"), v)
		}, 4},
		{"delete", func(txn *badger.Txn) { txn.Delete([]byte("a/0000000000000002")) }, 2},
		{"reorder", func(txn *badger.Txn) {
			a, b := get(txn, "a/0000000000000002"), get(txn, "a/0000000000000003")
			txn.Set([]byte("a/0000000000000002"), b)
			txn.Set([]byte("a/0000000000000003"), a)
		}, 2},
		{"truncate", func(txn *badger.Txn) { txn.Delete([]byte("a/0000000000000005")) }, 5},
		{"edit last", func(txn *badger.Txn) {
			var e map[string]any
			json.Unmarshal(get(txn, "a/0000000000000005"), &e)
			e["actor"] = "mallory"
			v, _ := json.Marshal(e)
			txn.Set([]byte("a/0000000000000005"), v)
		}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := build(t)
			raw(t, dir, tc.tamper)
			h := openHome(t, dir, newClock())
			defer h.Close()
			ck, err := h.VerifyAudit()
			if err != nil || ck.OK || ck.BrokenAt != tc.broken {
				t.Fatalf("%s: %+v %v", tc.name, ck, err)
			}
			t.Logf("%s: broken at %d: %s", tc.name, ck.BrokenAt, ck.Problem)
		})
	}
}

func TestClockBackwards(t *testing.T) {
	h, c, _, eve := setup(t)
	dir := h.Dir()
	id, _ := h.BeginExposure(eve, Exposure{Mode: ModeGrid})
	ev, _ := h.EndExposure(id, c.Add(time.Minute))
	if ev.ClockSuspect {
		t.Fatal("normal exposure flagged")
	}
	c.Add(time.Hour) // the store has seen 10:01
	h.RecordReview(eve, "op", "AB", "1")
	c.Add(-90 * time.Second) // within tolerance: not an anomaly
	id, _ = h.BeginExposure(eve, Exposure{Mode: ModeReveal})
	if ev, _ = h.EndExposure(id, c.Add(time.Second)); ev.ClockSuspect {
		t.Fatal("small step back flagged")
	}
	c.Add(-3 * time.Hour) // someone set the clock back
	id, _ = h.BeginExposure(eve, Exposure{Mode: ModeReveal})
	ev, _ = h.EndExposure(id, c.Add(2*time.Second))
	if !ev.ClockSuspect || ev.DurationMS != 2000 {
		t.Fatalf("exposure while behind: %+v", ev)
	}
	h.RecordReview(eve, "op", "cd", "2")
	acts := auditActions(t, h)
	if n := strings.Count(strings.Join(acts, " "), "clock-moved-backwards"); n != 1 {
		t.Fatalf("%d clock entries: %v", n, acts)
	}
	// Restarting while still behind records it again; catching up is recorded too.
	h.Close()
	h = openHome(t, dir, c)
	c.Set(time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC))
	if err := h.RecordReview(eve, "op", "ef", "1"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("old session accepted by a reopened store: %v", err)
	}
	eve, _ = h.SignIn("eve", "1357")
	acts = auditActions(t, h)
	tail := strings.Join(acts[len(acts)-3:], " ")
	if tail != "workstation:clock-moved-backwards workstation:clock-caught-up eve:sign-in" {
		t.Fatalf("audit tail: %s", tail)
	}
	sum, _ := h.Summary(Filter{Examiner: "eve"})
	if d := sum[0].Days[0]; d.ClockSuspect != 2 || d.ItemsReviewed != 2 || d.Categories["1"] != 1 || d.Categories["2"] != 1 {
		t.Fatalf("day: %+v", d)
	}

	// Setting the clock back a day does not hand out a fresh day of reveal
	// time; a supervisor can accept a corrected clock.
	p := DefaultPolicy
	p.RevealPerDay, p.RevealPerHour = 10*time.Second, 0
	sam, _ := h.SignIn("sam", "2468")
	if err := h.SetPolicy(sam, "2468", p); err != nil {
		t.Fatal(err)
	}
	id, _ = h.BeginExposure(eve, Exposure{Mode: ModeReveal})
	h.EndExposure(id, c.Add(10*time.Second))
	if d, _ := h.CheckReveal(eve, ModeReveal); d.Allowed {
		t.Fatalf("day used: %+v", d)
	}
	c.Add(-24 * time.Hour)
	if d, _ := h.CheckReveal(eve, ModeReveal); d.Allowed {
		t.Fatalf("clock set back a day reopened the budget: %+v", d)
	}
	if behind, _ := h.ClockBehind(); !behind {
		t.Fatal("ClockBehind")
	}
	if err := h.ResetClock(eve, "1357"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("examiner reset the clock: %v", err)
	}
	if err := h.ResetClock(sam, "2468"); err != nil {
		t.Fatal(err)
	}
	if behind, _ := h.ClockBehind(); behind {
		t.Fatal("still behind after reset")
	}
	id, _ = h.BeginExposure(eve, Exposure{Mode: ModeGrid})
	if ev, _ := h.EndExposure(id, c.Add(time.Second)); ev.ClockSuspect {
		t.Fatalf("flagged after reset: %+v", ev)
	}
	acts = auditActions(t, h)
	if tail := strings.Join(acts[len(acts)-2:], " "); tail != "workstation:clock-moved-backwards sam:clock-reset" {
		t.Fatalf("audit tail: %s", tail)
	}
	h.Close()
}

func TestSummaryReports(t *testing.T) {
	h, c, sam, eve := setup(t)
	if err := h.AddProfile(sam, "zoe", RoleExaminer, "8642"); err != nil {
		t.Fatal(err)
	}
	zoe, _ := h.SignIn("zoe", "8642")
	p := DefaultPolicy
	p.RevealPerDay = time.Minute
	p.RevealPerHour = 0
	if err := h.SetPolicy(sam, "2468", p); err != nil {
		t.Fatal(err)
	}
	expose := func(s *Session, mode string, at time.Time, d time.Duration) {
		t.Helper()
		if at.After(c.Now()) { // the clock only moves forward here
			c.Set(at)
		}
		id, err := h.BeginExposure(s, Exposure{Case: "op", SHA256: "ab", Mode: mode, Start: at})
		if err != nil {
			t.Fatal(err)
		}
		if at.Add(d).After(c.Now()) {
			c.Set(at.Add(d))
		}
		if _, err := h.EndExposure(id, at.Add(d)); err != nil {
			t.Fatal(err)
		}
	}
	day := func(d int, hour int) time.Time { return time.Date(2026, 12, d, hour, 0, 0, 0, time.UTC) }
	// eve: Sun 6 Dec (ISO week 49), Mon 7 and Tue 8 (week 50); 7 Dec over the 1-minute limit.
	expose(eve, ModeGrid, day(6, 10), 20*time.Minute)
	expose(eve, ModeReveal, day(6, 10).Add(time.Minute), 4500*time.Millisecond)
	expose(eve, ModeGrid, day(7, 9), 40*time.Minute)
	for i := 0; i < 14; i++ {
		expose(eve, ModeReveal, day(7, 9).Add(time.Duration(i+1)*time.Minute), 5*time.Second)
	}
	expose(eve, ModeVideo, day(7, 11), 3*time.Second)
	expose(zoe, ModeFull, day(7, 14), 2*time.Second)
	expose(eve, ModeGrid, day(8, 23).Add(50*time.Minute), 20*time.Minute) // crosses midnight
	h.RecordReview(eve, "op", "ab", "1")
	h.RecordReview(eve, "op", "cd", "5")
	h.RecordReview(eve, "op", "ef", "5")

	sums, err := h.Summary(Filter{Since: day(6, 0), Until: day(10, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 || sums[0].Examiner != "eve" || sums[1].Examiner != "sam" || sums[2].Examiner != "zoe" {
		t.Fatalf("examiners: %+v", sums)
	}
	e := sums[0]
	var got []string
	for _, d := range e.Days {
		got = append(got, fmt.Sprintf("%s g%.1f r%.1f n%d i%d %v", d.Date, d.GridSeconds, d.RevealedSeconds, d.Reveals, d.ItemsReviewed, d.OverLimit))
	}
	want := []string{"2026-12-06 g1200.0 r4.5 n1 i0 false", "2026-12-07 g2400.0 r73.0 n15 i0 true",
		"2026-12-08 g600.0 r0.0 n0 i0 false", "2026-12-09 g600.0 r0.0 n0 i3 false"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("days:\n got %v\nwant %v", got, want)
	}
	if !e.OverLimit || len(e.Weeks) != 2 || e.Weeks[0].Week != "2026-W49" || e.Weeks[1].Week != "2026-W50" ||
		e.Weeks[1].RevealedSeconds != 73 || e.Weeks[1].GridSeconds != 3600 || e.Weeks[1].Reveals != 15 {
		t.Fatalf("weeks %+v", e.Weeks)
	}
	if e.Days[3].Categories["5"] != 2 {
		t.Fatalf("categories %+v", e.Days[3].Categories)
	}
	if one, _ := h.Summary(Filter{Examiner: "eve", Since: day(7, 0), Until: day(8, 0)}); len(one) != 1 || len(one[0].Days) != 1 || one[0].Days[0].RevealedSeconds != 73 {
		t.Fatalf("filtered: %+v", one)
	}
	again, _ := h.Summary(Filter{Since: day(6, 0), Until: day(10, 0)})
	var a, b bytes.Buffer
	json.NewEncoder(&a).Encode(sums)
	json.NewEncoder(&b).Encode(again)
	if a.String() != b.String() {
		t.Fatal("summary is not deterministic")
	}

	var cb bytes.Buffer
	if err := WriteCSV(&cb, sums); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 6 || strings.Join(rows[2], ",") != "eve,examiner,2026-12-07,2400.000,73.000,15,0,0,,0,true" ||
		rows[4][8] != "1=1;5=2" || rows[5][0] != "zoe" {
		t.Fatalf("CSV: %v %v", rows, err)
	}

	img := Chart(e, p.RevealPerDay, 400, 200)
	if img.Bounds().Dx() != 400 || img.Bounds().Dy() != 200 {
		t.Fatal("chart size")
	}
	reds, bars := 0, 0
	for y := 0; y < 200; y++ {
		for x := 0; x < 400; x++ {
			switch color.RGBAModel.Convert(img.At(x, y)) {
			case limitColour:
				reds++
			case barColour, overColour:
				bars++
			}
		}
	}
	if reds < 300 || bars < 500 {
		t.Fatalf("chart: %d red pixels, %d bar pixels", reds, bars)
	}

	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	pdfPath := filepath.Join(t.TempDir(), "r.pdf")
	f, _ := os.Create(pdfPath)
	if err := WritePDF(f, sums, p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command("pdftotext", "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, w := range []string{"Exposure report: eve (examiner)", "Exposure report: zoe", "2026-12-07", "73.0", "2400.0", "over",
		"2026-W50", "daily limit 1m0s", "Breaks taken 0"} {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q:\n%s", w, text)
		}
	}
}

// TestWorkstationAuditConcurrent: sign-ins, failed sign-ins and reveal
// heartbeats come from several goroutines of the workstation at once;
// every audited one is in the chain and the chain verifies.
func TestWorkstationAuditConcurrent(t *testing.T) {
	h, _, _, eve := setup(t)
	before, err := h.VerifyAudit()
	if err != nil || !before.OK {
		t.Fatalf("audit before: %+v %v", before, err)
	}
	const signers, signIns, viewers, beats = 4, 6, 4, 50
	var wg sync.WaitGroup
	for g := range signers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range signIns {
				name, pin := "sam", "2468"
				if i%2 == 1 {
					name = fmt.Sprintf("nobody%d-%d", g, i) // audited as sign-in-failed
				}
				if _, err := h.SignIn(name, pin); (err != nil) != (i%2 == 1) {
					t.Errorf("sign-in %s: %v", name, err)
					return
				}
			}
		}()
	}
	for range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := h.BeginExposure(eve, Exposure{Case: "c", SHA256: fmt.Sprintf("%064x", 1), Mode: "full"})
			if err != nil {
				t.Error(err)
				return
			}
			for range beats {
				if err := h.Heartbeat(id); err != nil {
					t.Error(err)
					return
				}
			}
			if _, err := h.EndExposure(id, time.Time{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	counts := map[string]int{}
	for _, a := range auditActions(t, h)[before.Entries:] {
		counts[a]++
	}
	if counts["sam:sign-in"] != signers*signIns/2 {
		t.Errorf("%d sign-ins audited, want %d (%v)", counts["sam:sign-in"], signers*signIns/2, counts)
	}
	failed := 0
	for a, n := range counts {
		if strings.HasSuffix(a, ":sign-in-failed") {
			failed += n
		}
	}
	if failed != signers*signIns/2 {
		t.Errorf("%d failed sign-ins audited, want %d (%v)", failed, signers*signIns/2, counts)
	}
	c, err := h.VerifyAudit()
	if err != nil || !c.OK || c.Entries != before.Entries+signers*signIns {
		t.Fatalf("audit after: %+v %v, want %d entries intact", c, err, before.Entries+signers*signIns)
	}
}

// TestPINCostKeptWithTheHash: a Home hashes new PINs at its PINCost and
// checks each stored hash at the cost written in it, so profiles made at
// one cost still sign in on a Home opened with another.
func TestPINCostKeptWithTheHash(t *testing.T) {
	if _, err := Open(t.TempDir(), Options{PINCost: PINCost{MemoryKiB: 4, Passes: 1}}); err == nil {
		t.Fatal("a 4 KiB argon2id cost accepted")
	}
	dir := t.TempDir()
	c := newClock()
	h := openHome(t, dir, c)
	if err := h.AddProfile(nil, "sam", RoleSupervisor, "2468"); err != nil {
		t.Fatal(err)
	}
	var raw Profile
	h.view(func(txn *badger.Txn) error { _, err := getJSON(txn, "u/sam", &raw); return err })
	if !strings.HasPrefix(raw.PINHash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("stored hash %q, want the Home's cost", raw.PINHash)
	}
	h.Close()
	h = openHomeCost(t, dir, c, PINCost{}) // the default cost
	defer h.Close()
	if _, err := h.SignIn("sam", "2468"); err != nil {
		t.Fatalf("a PIN hashed at another cost: %v", err)
	}
	if _, err := h.SignIn("sam", "1357"); !errors.Is(err, ErrBadPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
}
