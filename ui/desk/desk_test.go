package desk

import (
	"context"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"scrim/categorize"
	"scrim/ingest"
	"scrim/ingest/evidence"
	"scrim/lab/labtest"
	"scrim/profile"
	"scrim/profile/hometest"
	"scrim/store"
	"scrim/testdata/demo"
	"scrim/ui/preview"
)

const pin = "2468"

// fixture is a real case (demo evidence ingested into Badger on disk), a
// real profile store, and the workstation in a test window.
type fixture struct {
	t     *testing.T
	ws    *Workstation
	win   fyne.Window
	home  *profile.Home
	clock *ManualClock
	dir   string
}

// sharedCase ingests the demo evidence once per test binary; each test gets
// its own copy of the case directory.
var sharedCase string

func demoCase(t testing.TB) string {
	if sharedCase != "" {
		return sharedCase
	}
	dir := filepath.Join(testTemp, "demo")
	var opt demo.Options
	if testing.Short() { // the race pass: the same tree at half the size, a quarter of the pixels to ingest
		opt.Size = demo.DefaultSize / 2
	}
	if _, err := demo.Generate(filepath.Join(dir, "evidence"), opt); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	src, err := evidence.Open(filepath.Join(dir, "evidence"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(st, ingest.Options{Examiner: "fixture"}).Ingest(context.Background(), src, "demo"); err != nil {
		t.Fatal(err)
	}
	src.Close()
	scheme, _ := categorize.CaseScheme(st)
	if _, err := categorize.NewEngine(st, scheme).MatchKnown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	sharedCase = dir
	return dir
}

var testTemp string

func TestMain(m *testing.M) {
	dir, err := mkTemp()
	if err != nil {
		panic(err)
	}
	testTemp = dir
	os.Setenv("LANG", "en_US.UTF-8") // Fyne cannot parse "C.UTF-8"
	code := labtest.Main(m)          // a private PostgreSQL, started by the first lab test
	rmTemp(dir)
	exit(code)
}

func newFixture(t *testing.T) *fixture { return newFixtureTB(t, t) }

// newFixtureTB serves benchmarks too; the fixture's t is only used for
// failures, so a benchmark passes its own TB.
func newFixtureTB(tb testing.TB, t *testing.T) *fixture {
	tb.Helper()
	src := demoCase(tb)
	dir := tb.TempDir()
	if err := copyDir(filepath.Join(src, "case"), filepath.Join(dir, "case")); err != nil {
		tb.Fatal(err)
	}
	clock := NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	home, err := profile.Open(filepath.Join(dir, "home"), profile.Options{Clock: clock.Now, PINCost: hometest.CheapPIN()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { home.Close() })
	if err := home.AddProfile(nil, "sam", profile.RoleSupervisor, pin); err != nil {
		tb.Fatal(err)
	}
	sup, _ := home.SignIn("sam", pin)
	if err := home.AddProfile(sup, "erin", profile.RoleExaminer, pin); err != nil {
		tb.Fatal(err)
	}
	a := test.NewTempApp(tb)
	win := test.NewWindow(nil)
	win.Resize(fyne.NewSize(1280, 800))
	ws := New(context.Background(), a, win, Options{Home: home, CaseDir: filepath.Join(dir, "case"), Clock: clock})
	ws.testDriver = true
	tb.Cleanup(func() { ws.Close(); win.Close() })
	ws.Start()
	if ws.Screen() != "sign-in" {
		tb.Fatalf("first screen %q, want sign-in", ws.Screen())
	}
	if _, ok := tb.(*testing.B); ok {
		if err := ws.SignIn("erin", pin); err != nil {
			tb.Fatal(err)
		}
	}
	return &fixture{t: t, ws: ws, win: win, home: home, clock: clock, dir: dir}
}

func (f *fixture) signIn(name string) {
	f.t.Helper()
	if err := f.ws.SignIn(name, pin); err != nil {
		f.t.Fatal(err)
	}
	f.ws.ShowReview()
	if f.ws.Screen() != "review" {
		f.t.Fatalf("screen %q after sign-in, want review", f.ws.Screen())
	}
	f.waitTiles()
}

// waitTiles waits until every tile on screen has its rendering.
func (f *fixture) waitTiles() {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		missing := 0
		for _, t := range f.ws.tiles {
			if t.pos < f.ws.desk.Model.Len() && t.img.Image == nil && f.ws.desk.Model.At(t.pos).Flags&noThumbFlag() == 0 {
				missing++
				f.ws.paintTile(t)
			}
		}
		if missing == 0 && len(f.ws.tiles) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatal("thumbnails did not arrive")
}

// tileRect is where the picture of the tile at pos is drawn on the canvas.
func (f *fixture) tileRect(pos int) image.Rectangle {
	// The middle of the tile: a picture is fitted into the square, so its
	// edges may meet the placeholder bars; the middle is always picture.
	t := f.ws.tiles[pos]
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(t.img)
	s := t.img.Size()
	scale := f.win.Canvas().Scale()
	x0, y0 := (p.X+s.Width*0.32)*scale, (p.Y+s.Height*0.32)*scale
	x1, y1 := (p.X+s.Width*0.68)*scale, (p.Y+s.Height*0.68)*scale
	return image.Rect(int(x0), int(y0), int(x1), int(y1))
}

// detail is the mean absolute Laplacian over a region: high-frequency
// energy, near zero for a strongly blurred picture.
func detail(img image.Image, r image.Rectangle) float64 {
	lum := func(x, y int) float64 {
		cr, cg, cb, _ := img.At(x, y).RGBA()
		return (0.299*float64(cr) + 0.587*float64(cg) + 0.114*float64(cb)) / 257
	}
	var sum float64
	var n int
	for y := r.Min.Y + 1; y < r.Max.Y-1; y++ {
		for x := r.Min.X + 1; x < r.Max.X-1; x++ {
			l := 4*lum(x, y) - lum(x-1, y) - lum(x+1, y) - lum(x, y-1) - lum(x, y+1)
			sum += math.Abs(l)
			n++
		}
	}
	return sum / float64(max(n, 1))
}

// colourfulness is the largest channel spread in a region (0 for gray).
func colourfulness(img image.Image, r image.Rectangle) int {
	worst := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			hi := max(cr, cg, cb) >> 8
			lo := min(cr, cg, cb) >> 8
			worst = max(worst, int(hi-lo))
		}
	}
	return worst
}

func TestGridIsBlurredAndGrayscaleUntilRevealed(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	pos := firstPictureWithDetail(t, f)
	f.ws.Move(pos, false)
	f.waitTiles()
	shot := f.win.Canvas().Capture()
	r := f.tileRect(pos)
	blurred := detail(shot, r)
	if c := colourfulness(shot, r); c > 6 {
		t.Errorf("blurred tile has colour (channel spread %d)", c)
	}
	f.ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if f.ws.levelAt(pos) != preview.Revealed {
		t.Fatal("Space did not reveal the current tile")
	}
	revealed := detail(f.win.Canvas().Capture(), r)
	t.Logf("high-frequency energy: blurred %.2f, revealed %.2f", blurred, revealed)
	if blurred > 1.5 || revealed < 3*blurred {
		t.Errorf("blurred tile energy %.2f, revealed %.2f: the grid is not blurred, or the reveal shows nothing more", blurred, revealed)
	}
	if c := colourfulness(f.win.Canvas().Capture(), r); c > 6 {
		t.Errorf("grayscale reveal shows colour (spread %d)", c)
	}
}

// firstPictureWithDetail finds a tile whose revealed rendering has real
// detail, so the comparison means something.
func firstPictureWithDetail(t *testing.T, f *fixture) int {
	for pos := range f.ws.desk.Model.Len() {
		it := f.ws.desk.Model.At(pos)
		if it.Flags&noThumbFlag() != 0 {
			continue
		}
		img, err := f.ws.cache.Render(keyOf(it.SHA, preview.Revealed))
		if err == nil && detail(img, img.Bounds()) > 3 {
			return pos
		}
	}
	t.Fatal("no picture with detail in the demo case")
	return 0
}

func TestDigitKeyCategorizesAdvancesAndUndoes(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	sha := f.ws.desk.Model.At(0).Hex()
	f.win.Canvas().Focused().TypedRune('1')
	c, ok, err := f.ws.st.Category(sha)
	if err != nil || !ok || c.Category != "1" || c.Source != "examiner:erin" {
		t.Fatalf("after key 1: category %+v %v %v, want 1 by examiner:erin", c, ok, err)
	}
	if f.ws.cur != 1 {
		t.Fatalf("cursor at %d after categorizing, want 1", f.ws.cur)
	}
	// A cluster at once: select the near-duplicates of an item, then 5.
	start := -1
	for p := range f.ws.desk.Model.Len() {
		if len(f.ws.desk.Model.ClusterPositions(p)) > 2 {
			start = p
			break
		}
	}
	if start < 0 {
		t.Fatal("the demo case has no near-duplicate cluster")
	}
	f.ws.Move(start, false)
	f.win.Canvas().Focused().TypedRune('a')
	cluster := f.ws.desk.Model.ClusterPositions(start)
	f.win.Canvas().Focused().TypedRune('5')
	for _, p := range cluster {
		if it := f.ws.desk.Model.At(p); it.Category != "5" || it.Source != "examiner" {
			t.Fatalf("cluster member %d: %+v, want 5 by examiner", p, it)
		}
	}
	f.win.Canvas().Focused().TypedRune('u')
	for _, p := range cluster {
		it := f.ws.desk.Model.At(p)
		// The first item keeps the decision it had before the cluster's.
		if it.Hex() == sha && (it.Category != "1" || it.Source != "examiner") ||
			it.Hex() != sha && it.Source == "examiner" {
			t.Fatalf("cluster member %d after undo: %+v", p, it)
		}
	}
	f.win.Canvas().Focused().TypedRune('u')
	if _, ok, _ := f.ws.st.Category(sha); ok {
		t.Fatalf("first decision still there after the second undo")
	}
	var decisions, undos int
	f.ws.st.EachAudit(func(a store.AuditEntry) error {
		switch a.Action {
		case "categorize":
			decisions++
		case "categorize-undo":
			undos++
		}
		return nil
	})
	if decisions != 1+len(cluster) || undos != 1+len(cluster) {
		t.Fatalf("audit log holds %d decisions and %d undos, want %d each", decisions, undos, 1+len(cluster))
	}
	// Enter opens the details, which name the history.
	f.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.ws.Screen() != "details" {
		t.Fatalf("Enter showed %q", f.ws.Screen())
	}
}

func TestRevealReblursByItselfAndIsRecorded(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	k := f.ws.keys
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.clock.Advance(4900 * time.Millisecond)
	if f.ws.levelAt(f.ws.cur) != preview.Revealed {
		t.Fatal("re-blurred before the 5 s limit")
	}
	f.clock.Advance(100 * time.Millisecond)
	if f.ws.levelAt(f.ws.cur) != preview.Blurred {
		t.Fatal("still revealed after the 5 s limit")
	}
	k.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace}) // released late: nothing more to do
	// Pressing again ends a reveal at once; so does releasing.
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.clock.Advance(1234 * time.Millisecond)
	k.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	if f.ws.levelAt(f.ws.cur) != preview.Blurred {
		t.Fatal("releasing Space did not re-blur")
	}
	evs, err := f.home.Events("erin", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range evs {
		if e.Mode == profile.ModeReveal {
			got = append(got, e.DurationMS)
		}
	}
	if len(got) != 2 || got[0] != 5000 || got[1] != 1234 {
		t.Fatalf("reveal events %v ms, want [5000 1234]", got)
	}
}

func TestPolicyLimitsReveals(t *testing.T) {
	f := newFixture(t)
	sup, _ := f.home.SignIn("sam", pin)
	p, _ := f.home.Policy()
	p.MaxReveal = 2 * time.Second
	p.RevealPerHour = 3 * time.Second
	p.ColourAllowed = false
	if err := f.home.SetPolicy(sup, pin, p); err != nil {
		t.Fatal(err)
	}
	f.signIn("erin")
	k := f.ws.keys
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.clock.Advance(5 * time.Second)
	if f.ws.reveal != nil {
		t.Fatal("reveal outlived the supervisor's 2 s")
	}
	k.TypedRune('c')
	if f.ws.reveal != nil {
		t.Fatal("colour reveal allowed against the policy")
	}
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace}) // 1 s of the hour's 3 s left
	f.clock.Advance(5 * time.Second)
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if f.ws.reveal != nil {
		t.Fatalf("reveal allowed beyond the hourly budget")
	}
	t.Logf("refusal shown: %q", f.ws.status.Text)
	evs, _ := f.home.Events("erin", time.Time{}, time.Time{})
	var total int64
	for _, e := range evs {
		if profile.Revealed(e.Mode) {
			total += e.DurationMS
		}
	}
	if total != 3000 {
		t.Fatalf("revealed %d ms in the hour, want exactly the 3000 ms budget", total)
	}
}

func TestPanicBlanksUntilPIN(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	f.ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyF12})
	if f.ws.Screen() != "panic" || f.ws.reveal != nil {
		t.Fatalf("F12: screen %q, reveal %v", f.ws.Screen(), f.ws.reveal != nil)
	}
	if markup := test.RenderToMarkup(f.win.Canvas()); contains(markup, "<image") {
		t.Fatal("the panic screen draws a picture")
	}
	if err := f.ws.Unlock("0000"); err == nil {
		t.Fatal("wrong PIN unlocked the panic screen")
	}
	if f.ws.Screen() != "panic" {
		t.Fatal("left the panic screen on a wrong PIN")
	}
	if err := f.ws.Unlock(pin); err != nil || f.ws.Screen() != "review" {
		t.Fatalf("unlock: %v, screen %q", err, f.ws.Screen())
	}
	// Esc twice within a second is the same key.
	f.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	f.clock.Advance(300 * time.Millisecond)
	f.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if f.ws.Screen() != "panic" {
		t.Fatalf("Esc Esc showed %q", f.ws.Screen())
	}
}

func TestBreakReplacesTheGrid(t *testing.T) {
	f := newFixture(t)
	sup, _ := f.home.SignIn("sam", pin)
	p, _ := f.home.Policy()
	p.BreakAfter = 10 * time.Minute
	p.BreakLength = 2 * time.Minute
	if err := f.home.SetPolicy(sup, pin, p); err != nil {
		t.Fatal(err)
	}
	f.signIn("erin")
	f.clock.Advance(9 * time.Minute)
	if f.ws.Screen() != "review" {
		t.Fatalf("screen %q before the break is due", f.ws.Screen())
	}
	f.clock.Advance(90 * time.Second)
	if f.ws.Screen() != "break" {
		t.Fatalf("screen %q after 10 min of review, want break", f.ws.Screen())
	}
	f.ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if f.ws.reveal != nil {
		t.Fatal("revealed during a break")
	}
	f.clock.Advance(2*time.Minute + time.Second)
	if f.ws.Screen() != "review" {
		t.Fatalf("screen %q after the break, want review", f.ws.Screen())
	}
	sums, err := f.home.Summary(profile.Filter{Examiner: "erin"})
	if err != nil || len(sums) != 1 || sums[0].BreaksTaken != 1 {
		t.Fatalf("summary %+v %v, want one break taken", sums, err)
	}
}

func TestSupervisorDashboard(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	f.ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.clock.Advance(3 * time.Second)
	f.ws.keys.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.ws.keys.TypedRune('2')
	f.ws.SignOut()
	if err := f.ws.SignIn("sam", pin); err != nil {
		t.Fatal(err)
	}
	f.ws.ShowDashboard()
	if f.ws.Screen() != "dashboard" {
		t.Fatalf("supervisor dashboard not shown: %q", f.ws.Screen())
	}
	markup := test.RenderToMarkup(f.win.Canvas())
	for _, want := range []string{"erin", "revealed 3 s", "1 items reviewed"} {
		if !contains(markup, want) {
			t.Errorf("dashboard does not show %q", want)
		}
	}
}

func TestFullViewReadsTheEvidenceBackUnderTheLimit(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	pos := firstPictureWithDetail(t, f)
	f.ws.Move(pos, false)
	f.win.Canvas().Focused().TypedRune('f')
	if f.ws.Screen() != "full" || f.ws.reveal == nil || !f.ws.reveal.full {
		t.Fatalf("F showed %q (status %q)", f.ws.Screen(), f.ws.status.Text)
	}
	f.clock.Advance(5 * time.Second)
	if f.ws.Screen() != "review" {
		t.Fatalf("full view still shown after the limit: %q", f.ws.Screen())
	}
	evs, _ := f.home.Events("erin", time.Time{}, time.Time{})
	var full []int64
	for _, e := range evs {
		if e.Mode == profile.ModeFull {
			full = append(full, e.DurationMS)
		}
	}
	if len(full) != 1 || full[0] != 5000 {
		t.Fatalf("full-view events %v, want one of 5000 ms", full)
	}
	var reveals int
	f.ws.st.EachAudit(func(a store.AuditEntry) error {
		if a.Action == "reveal" && a.Detail["mode"] == profile.ModeFull {
			reveals++
		}
		return nil
	})
	if reveals != 1 {
		t.Fatalf("%d full-view entries in the case audit log, want 1", reveals)
	}
}

func TestCaseScreenIngestsInTheBackgroundCancelsAndResumes(t *testing.T) {
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	if f.ws.Screen() != "case" {
		t.Fatalf("screen %q without a case, want case", f.ws.Screen())
	}
	if err := f.ws.OpenCase(filepath.Join(f.dir, "new-case"), nil); err != nil {
		t.Fatal(err)
	}
	evidenceDir := filepath.Join(demoCase(t), "evidence")
	if err := f.ws.AddEvidence(evidenceDir); err != nil {
		t.Fatal(err)
	}
	f.ws.ingest.cancel()
	if err := f.ws.WaitIngest(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ingest returned %v", err)
	}
	// A cancelled run is never called complete.
	if evs, _ := f.ws.st.ListEvidence(); len(evs) != 1 || evs[0].Status != ingest.StatusInterrupted {
		t.Fatalf("evidence after cancel: %+v, want status %q", evs, ingest.StatusInterrupted)
	}
	// Adding the same evidence again resumes it.
	if err := f.ws.AddEvidence(evidenceDir); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.WaitIngest(); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.reload(); err != nil {
		t.Fatal(err)
	}
	if evs, _ := f.ws.st.ListEvidence(); len(evs) != 1 || evs[0].Status != ingest.StatusComplete {
		t.Fatalf("evidence after resume: %+v", evs)
	}
	got := f.ws.desk.Model.Total()
	st, err := store.Open(filepath.Join(demoCase(t), "case"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if want := int(stats.Pictures + stats.Videos); got != want {
		t.Fatalf("after cancel and resume the case holds %d pictures and videos, a straight ingest %d", got, want)
	}
	f.ws.showCaseScreen()
	if markup := test.RenderToMarkup(f.win.Canvas()); !contains(markup, "still need review") {
		t.Error("case screen does not say what still needs review")
	}
}

func TestExportsFromTheWorkstation(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	f.ws.keys.TypedRune('1')
	for _, format := range []string{"pdf", "html", "csv", "vics", "court"} {
		out, err := f.ws.Export(format, "a long enough passphrase")
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", out, err)
		}
	}
	var exports int
	f.ws.st.EachAudit(func(a store.AuditEntry) error {
		if a.Action == "export" && a.Actor == "erin" {
			exports++
		}
		return nil
	})
	if exports != 5 {
		t.Fatalf("%d exports by erin in the audit log, want 5", exports)
	}
}

func TestDecisionSuggestsToNearDuplicatesInTheBackground(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	m := f.ws.desk.Model
	start := -1
	for p := range m.Len() {
		if len(m.ClusterPositions(p)) >= 3 && m.At(p).Category == "" {
			start = p
			break
		}
	}
	if start < 0 {
		t.Fatal("no uncategorized near-duplicate cluster in the demo case")
	}
	cluster := m.ClusterPositions(start)
	first := cluster[0]
	f.ws.Move(first, false)
	f.ws.keys.TypedRune('3')
	f.clock.Advance(2 * time.Second) // the pass runs after a burst of keys
	suggested := 0
	for _, p := range cluster[1:] {
		if it := m.At(p); it.Category == "3" && it.Source == "suggested" {
			suggested++
		}
	}
	if suggested == 0 {
		t.Fatalf("no near-duplicate of the decided picture got its category as a suggestion")
	}
	f.ws.Move(first, false)
	f.ws.keys.TypedRune('u')
	f.clock.Advance(2 * time.Second)
	for _, p := range cluster {
		if it := m.At(p); it.Category == "3" {
			t.Fatalf("position %d still shows 3 (%s) after the decision was undone", p, it.Source)
		}
	}
	t.Logf("%d of %d near-duplicates suggested, withdrawn after undo", suggested, len(cluster)-1)
}
