package desk

import (
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"scrim/ui/review"
)

// walk calls fn on every object drawn under o, widgets' parts included.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walk(c, fn)
		}
	}
}

func findAll[T fyne.CanvasObject](f *fixture) []T {
	var out []T
	walk(f.win.Content(), func(o fyne.CanvasObject) {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	})
	return out
}

func button(f *fixture, prefix string) *widget.Button {
	f.t.Helper()
	for _, b := range findAll[*widget.Button](f) {
		if strings.HasPrefix(b.Text, prefix) {
			return b
		}
	}
	f.t.Fatalf("no button %q on the %s screen", prefix, f.ws.Screen())
	return nil
}

// farPicture is a picture in the grid's lower rows, so keeping the place
// means keeping a scroll offset too.
func farPicture(t *testing.T, f *fixture) int {
	m := f.ws.desk.Model
	for p := m.Len() - 1; p >= 0; p-- {
		if it := m.At(p); it.Flags&(review.FlagVideo|review.FlagNoThumb) == 0 && p >= 3*f.ws.columns() {
			return p
		}
	}
	t.Fatal("no picture below the first rows of the demo grid")
	return 0
}

// Issue 13.1: after each way of leaving the grid and coming back, the same
// item is current and the grid is scrolled as before.
func TestPlaceKeptAfterEveryPath(t *testing.T) {
	paths := []struct {
		name string
		do   func(f *fixture)
	}{
		{"details Enter then Esc", func(f *fixture) {
			f.ws.keys.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			if f.ws.Screen() != "details" {
				f.t.Fatalf("Enter showed %q", f.ws.Screen())
			}
			f.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		}},
		{"details Enter then Enter", func(f *fixture) {
			f.ws.keys.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			f.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}},
		{"full view", func(f *fixture) {
			f.ws.keys.TypedRune('f')
			if f.ws.Screen() != "full" {
				f.t.Fatalf("F showed %q (%s)", f.ws.Screen(), f.ws.status.Text)
			}
			f.clock.Advance(5 * time.Second)
		}},
		{"reveal", func(f *fixture) {
			f.ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
			f.clock.Advance(time.Second)
			f.ws.keys.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
		}},
		{"break", func(f *fixture) {
			f.ws.startBreak()
			if f.ws.Screen() != "break" {
				f.t.Fatalf("break showed %q", f.ws.Screen())
			}
			f.clock.Advance(f.ws.policy.BreakLength + time.Second)
		}},
		{"panic and unlock", func(f *fixture) {
			f.ws.keys.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF12})
			if err := f.ws.Unlock(pin); err != nil {
				f.t.Fatal(err)
			}
		}},
		{"filter change and back", func(f *fixture) {
			f.ws.SetFilter(review.Filter{Kind: review.Pictures})
			f.ws.Move(0, false)
			f.ws.SetFilter(review.Filter{Kind: review.All})
		}},
		{"near-duplicate order off and on", func(f *fixture) {
			f.ws.changeView(func() { f.ws.byCluster = false; f.ws.desk.Model.SortByCluster(false) })
			f.ws.changeView(func() { f.ws.byCluster = true; f.ws.desk.Model.SortByCluster(true) })
		}},
		{"case screen and back", func(f *fixture) {
			f.ws.showCaseScreen()
			f.ws.showReview()
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			f := newFixture(t)
			f.signIn("erin")
			pos := farPicture(t, f)
			f.ws.Move(pos, false)
			sha := f.ws.desk.Model.At(pos).SHA
			offset := f.ws.grid.GetScrollOffset()
			if offset <= 0 {
				t.Fatalf("moving to %d/%d did not scroll the grid", pos+1, f.ws.desk.Model.Len())
			}
			p.do(f)
			if f.ws.Screen() != "review" {
				t.Fatalf("screen %q after %s, want review", f.ws.Screen(), p.name)
			}
			if f.ws.cur != pos || f.ws.desk.Model.At(f.ws.cur).SHA != sha {
				t.Errorf("current item %d after %s, want %d", f.ws.cur+1, p.name, pos+1)
			}
			if got := f.ws.grid.GetScrollOffset(); got != offset {
				t.Errorf("scroll offset %.0f after %s, want %.0f", got, p.name, offset)
			}
		})
	}
}

// Issue 13.1: a filter that still shows the current item keeps it current.
func TestFilterKeepsTheCurrentItemWhenShown(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	pos := farPicture(t, f)
	f.ws.Move(pos, false)
	sha := f.ws.desk.Model.At(pos).SHA
	f.ws.SetFilter(review.Filter{Kind: review.Pictures})
	if it := f.ws.desk.Model.At(f.ws.cur); it.SHA != sha {
		t.Fatalf("under the Pictures filter item %d is current, not the picture that was", f.ws.cur+1)
	}
	f.ws.SetFilter(review.Filter{Kind: review.Videos})
	if f.ws.cur != 0 || f.ws.grid.GetScrollOffset() != 0 {
		t.Fatalf("a filter without the item: current %d, offset %.0f; want the top", f.ws.cur, f.ws.grid.GetScrollOffset())
	}
}

// Issue 13.2: the status line says what the reveal really does.
func TestRevealStatusFollowsTheReveal(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	k := f.ws.keys
	status := func(want string) {
		t.Helper()
		if got := f.ws.status.Text; !strings.Contains(got, want) {
			t.Fatalf("status %q, want %q", got, want)
		}
	}
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	status("revealed · 5 s left")
	f.clock.Advance(time.Second)
	status("revealed · 4 s left")
	f.clock.Advance(2 * time.Second)
	status("revealed · 2 s left")
	f.clock.Advance(2 * time.Second)
	if f.ws.reveal != nil {
		t.Fatal("still revealed after the limit")
	}
	status("re-blurred after 5.0 s")
	k.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	status("re-blurred after 5.0 s") // a late release changes nothing

	// A quick tap says it was a tap, and how to reveal.
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.clock.Advance(80 * time.Millisecond)
	k.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	status("hold Space to reveal")
	if strings.Contains(f.ws.status.Text, "revealed ·") {
		t.Fatalf("status %q after a tap", f.ws.status.Text)
	}
	// A hold released early says how long it showed.
	k.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	f.clock.Advance(1500 * time.Millisecond)
	status("revealed · 4 s left")
	k.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	status("re-blurred after 1.5 s")
	if f.ws.levelAt(f.ws.cur) != 0 {
		t.Fatal("tile still revealed")
	}
}

// Issue 13.2: the panic screen is one flat colour with one quiet line of
// how to return; typing starts the PIN; a wrong PIN is cleared and said.
func TestPanicScreenSaysHowToReturn(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	f.ws.keys.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF12})
	if !strings.Contains(test.RenderToMarkup(f.win.Canvas()), panicLine) {
		t.Fatal("the panic screen does not say how to return")
	}
	shot := f.win.Canvas().Capture()
	b := shot.Bounds()
	lineish := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(shot.At(x, y)).(color.NRGBA)
			if c == neutral {
				continue
			}
			lineish++
			// Between the two colours, give or take anti-aliasing's rounding.
			if c.R+2 < neutral.R || c.R > quiet.R+2 || c.G+2 < neutral.G || c.G > quiet.G+2 || c.B+2 < neutral.B || c.B > quiet.B+2 {
				t.Fatalf("pixel %d,%d is %v, outside the panic screen's colours", x, y, c)
			}
		}
	}
	if lineish == 0 || lineish > b.Dx()*b.Dy()/100 {
		t.Fatalf("%d pixels of the line: want one short line", lineish)
	}
	f.win.Canvas().Focused().TypedRune('0')
	entry, ok := f.win.Canvas().Focused().(*widget.Entry)
	if !ok || entry.Text != "0" {
		t.Fatalf("typing on the panic screen did not start the PIN (focused %T)", f.win.Canvas().Focused())
	}
	test.Type(entry, "000")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.ws.Screen() != "panic" || entry.Text != "" {
		t.Fatalf("wrong PIN: screen %q, field %q", f.ws.Screen(), entry.Text)
	}
	if !strings.Contains(test.RenderToMarkup(f.win.Canvas()), "Wrong PIN") {
		t.Fatal("a wrong PIN is not said")
	}
	test.Type(entry, pin)
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.ws.Screen() != "review" {
		t.Fatalf("right PIN: screen %q", f.ws.Screen())
	}
}

// Issue 13.2: choosing a profile puts the focus in the PIN field, Enter
// submits, a wrong PIN clears the field and says so.
func TestSignInPINFocusAndEnter(t *testing.T) {
	f := newFixture(t)
	sel := findAll[*widget.Select](f)
	if len(sel) != 1 {
		t.Fatalf("%d profile pickers on the sign-in screen", len(sel))
	}
	f.win.Canvas().Unfocus()
	sel[0].SetSelected("erin")
	entry, ok := f.win.Canvas().Focused().(*widget.Entry)
	if !ok || !entry.Password {
		t.Fatalf("after choosing a profile the focus is on %T, want the PIN field", f.win.Canvas().Focused())
	}
	test.Type(entry, "1111")
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.ws.Screen() != "sign-in" || entry.Text != "" || f.win.Canvas().Focused() != entry {
		t.Fatalf("wrong PIN: screen %q, field %q, focus %T", f.ws.Screen(), entry.Text, f.win.Canvas().Focused())
	}
	if !strings.Contains(test.RenderToMarkup(f.win.Canvas()), "Wrong PIN") {
		t.Fatal("a wrong PIN is not said")
	}
	test.Type(entry, pin)
	entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if f.ws.Session() == nil || f.ws.Session().Name != "erin" {
		t.Fatalf("Enter with the right PIN did not sign in (screen %q)", f.ws.Screen())
	}
}

// Issue 13.3: the case screen lists recent cases; a supervisor taking over
// reopens the examiner's case in one click.
func TestRecentCasesReopenInOneStep(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	caseDir := f.ws.st.Dir()
	f.ws.SignOut()
	if err := f.ws.SignIn("sam", pin); err != nil {
		t.Fatal(err)
	}
	if f.ws.Screen() != "case" || f.ws.st != nil {
		t.Fatalf("supervisor sees %q with a case open: %v", f.ws.Screen(), f.ws.st != nil)
	}
	markup := test.RenderToMarkup(f.win.Canvas())
	if !strings.Contains(markup, "Recent cases") || !strings.Contains(markup, "last opened by erin") {
		t.Fatal("the case screen does not list the case erin opened")
	}
	test.Tap(button(f, "Open case"))
	if f.ws.st == nil || f.ws.st.Dir() != caseDir {
		t.Fatal("one click did not reopen the recent case")
	}
	list, _ := f.home.RecentCases()
	if len(list) != 1 || list[0].By != "sam" {
		t.Fatalf("recent cases %+v, want the one case, last opened by sam", list)
	}
}

// Issue 13.4: file facts under the tiles, off until the examiner switches
// them on, remembered for that examiner, and only where the policy allows.
func TestTileFactsToggleRememberedAndAllowedByPolicy(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	for _, tl := range f.ws.tiles {
		if len(tl.facts) > 0 {
			t.Fatal("file facts shown before the examiner asked for them")
		}
	}
	f.ws.Move(farPicture(t, f), false)
	cur, offset := f.ws.cur, f.ws.grid.GetScrollOffset()
	test.Tap(findCheck(f, "File facts"))
	if f.ws.cur != cur || f.ws.grid.GetScrollOffset() < offset-TileSize.Height*2 {
		t.Fatalf("switching facts on lost the place: %d at %.0f, was %d at %.0f", f.ws.cur, f.ws.grid.GetScrollOffset(), cur, offset)
	}
	f.waitTiles()
	m := f.ws.desk.Model
	shown := 0
	for _, tl := range f.ws.tiles {
		if tl.pos >= m.Len() {
			continue
		}
		if len(tl.facts) != factLines {
			t.Fatal("a tile without its facts")
		}
		it := m.At(tl.pos)
		occs, err := f.ws.st.OccurrencesOf(it.Hex())
		if err != nil || len(occs) == 0 {
			t.Fatal(err)
		}
		name := tl.facts[0].Text
		if len([]rune(name)) > factNameRunes || !strings.HasPrefix(occs[0].Path[strings.LastIndex(occs[0].Path, "/")+1:], strings.TrimSuffix(name, "…")) {
			t.Errorf("tile %d names %q; first place %s", tl.pos, name, occs[0].Path)
		}
		where := tl.facts[1].Text
		switch {
		case occs[0].Carved && !strings.HasPrefix(where, "carved"),
			occs[0].Deleted && !occs[0].Carved && !strings.HasPrefix(where, "deleted"),
			!occs[0].Carved && !occs[0].Deleted && !strings.HasPrefix(where, "live file"):
			t.Errorf("tile %d says %q for %+v", tl.pos, where, occs[0])
		}
		if it.Source == "hashset" && !strings.Contains(tl.facts[2].Text, "set ") {
			t.Errorf("tile %d from a hash set says %q", tl.pos, tl.facts[2].Text)
		}
		shown++
	}
	if shown == 0 {
		t.Fatal("no tiles shown")
	}
	// Remembered for erin, not for sam.
	f.ws.SignOut()
	f.signInAgain("sam")
	if f.ws.showFacts() {
		t.Fatal("erin's choice shows facts to sam")
	}
	f.ws.SignOut()
	f.signInAgain("erin")
	if !f.ws.showFacts() {
		t.Fatal("erin's choice was not remembered")
	}
	// The supervisor switches them off for the workstation.
	f.ws.SignOut()
	sup, _ := f.home.SignIn("sam", pin)
	p, _ := f.home.Policy()
	p.TileFactsAllowed = false
	if err := f.home.SetPolicy(sup, pin, p); err != nil {
		t.Fatal(err)
	}
	f.signInAgain("erin")
	if f.ws.showFacts() || len(findAll[*widget.Check](f)) != 1 {
		t.Fatal("facts or their switch shown against the policy")
	}
	if err := f.ws.SetTileFacts(true); err == nil {
		t.Fatal("facts switched on against the policy")
	}
}

func findCheck(f *fixture, text string) *widget.Check {
	f.t.Helper()
	for _, c := range findAll[*widget.Check](f) {
		if c.Text == text {
			return c
		}
	}
	f.t.Fatalf("no %q switch on the %s screen", text, f.ws.Screen())
	return nil
}

// signInAgain signs in and reopens the recent case (sign-out closed it).
func (f *fixture) signInAgain(name string) {
	f.t.Helper()
	if err := f.ws.SignIn(name, pin); err != nil {
		f.t.Fatal(err)
	}
	if f.ws.st == nil {
		test.Tap(button(f, "Open case"))
	}
	f.ws.ShowReview()
	f.waitTiles()
}

// Issue 13.5: the dashboard's chart is drawn in vectors in the theme's
// colours, its axis follows the data (a 10 s day is a visible bar under a
// 20 min limit), and the words say revealed time against the limit.
func TestDashboardChartScalesToTheData(t *testing.T) {
	f := newFixture(t)
	f.signIn("erin")
	for range 2 {
		f.ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
		f.clock.Advance(5 * time.Second)
		f.ws.keys.KeyUp(&fyne.KeyEvent{Name: fyne.KeySpace})
	}
	f.ws.keys.TypedRune('2')
	f.ws.SignOut()
	if err := f.ws.SignIn("sam", pin); err != nil {
		t.Fatal(err)
	}
	f.ws.ShowDashboard()
	markup := test.RenderToMarkup(f.win.Canvas())
	for _, want := range []string{"erin", "today: 10 s revealed of 20 min allowed (19 min 50 s left)", "1 items reviewed"} {
		if !strings.Contains(markup, want) {
			t.Errorf("dashboard does not say %q", want)
		}
	}
	for _, img := range findAll[*canvas.Image](f) {
		if img.Image != nil && img.Image.Bounds().Dx() > 64 { // icons are small; the old chart was a 560 px bitmap
			t.Errorf("the dashboard draws a %v bitmap; the chart should be vectors", img.Image.Bounds().Size())
		}
	}
	var erin *chartRenderer
	for _, c := range findAll[*dayChart](f) {
		if len(c.days) > 0 {
			erin = test.WidgetRenderer(c).(*chartRenderer)
		}
	}
	if erin == nil {
		t.Fatal("no chart with erin's day")
	}
	bar := erin.bars[len(erin.bars)-1]
	plot := erin.c.Size().Height - chartTop - chartBottom
	t.Logf("axis top %.0f s, bar %.0f of %.0f px", erin.top, bar.Size().Height, plot)
	if erin.top > 60 || bar.Size().Height < plot/2 {
		t.Errorf("a 10 s day: axis to %.0f s, bar %.0f px of %.0f", erin.top, bar.Size().Height, plot)
	}
	if erin.onScale || !strings.Contains(erin.limitLabel.Text, "off the scale") {
		t.Errorf("the 20 min limit is drawn on a 10 s scale: %q", erin.limitLabel.Text)
	}
	if bar.FillColor != theme.Color(theme.ColorNamePrimary) || erin.ticks[0].Color != theme.Color(theme.ColorNameForeground) {
		t.Error("the chart does not take the theme's colours")
	}
}
