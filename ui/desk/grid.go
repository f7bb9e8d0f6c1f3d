package desk

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"scrim/profile"
	"scrim/ui/preview"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

// TileSize is the grid cell: small by default, as the exposure rules want.
var TileSize = fyne.NewSize(172, 196)

// Colours of the workstation, in one place.
var (
	placeholder  = color.NRGBA{R: 0x44, G: 0x47, B: 0x4c, A: 0xff}
	currentColor = color.NRGBA{R: 0xf0, G: 0xb4, B: 0x29, A: 0xff}
	selectColor  = color.NRGBA{R: 0x4a, G: 0x90, B: 0xe2, A: 0xff}
	textColor    = color.NRGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
)

// ShowReview shows the review grid of the open case.
func (w *Workstation) ShowReview() { w.showReview() }

func (w *Workstation) showReview() {
	if w.desk == nil {
		w.showCaseScreen()
		return
	}
	w.keepGridOffset()
	m := w.desk.Model
	w.status = widget.NewLabel("")
	w.status.Truncation = fyne.TextTruncateEllipsis
	w.tiles = map[int]*tile{}
	w.grid = widget.NewGridWrap(m.Len, w.newTile, w.updateTile)
	w.keys = newKeyCatcher(w)

	filters, choose := w.filterChoices()
	filter := widget.NewSelect(filters, nil)
	filter.SetSelected(w.filterName(filters))
	filter.OnChanged = func(s string) { choose(s); w.win.Canvas().Focus(w.keys) }
	// The box shows the order in force; OnChanged is set after, so building
	// the screen changes nothing.
	byCluster := widget.NewCheck("Near-duplicates together", nil)
	byCluster.SetChecked(w.byCluster)
	byCluster.OnChanged = func(on bool) {
		w.changeView(func() { w.byCluster = on; m.SortByCluster(on) })
		w.win.Canvas().Focus(w.keys)
	}
	right := append([]fyne.CanvasObject{filter, byCluster}, w.signalControls()...)
	if facts := w.factsToggle(); facts != nil {
		right = append(right, facts)
	}
	top := header("Case "+w.caseName()+" · "+w.viewerName(),
		append(right, w.dashboardButton(),
			widget.NewButton("Case", w.showCaseScreen), widget.NewButton("Sign out", w.SignOut))...)
	if w.court != nil {
		top = header("Court package: case "+w.caseName()+" · viewed by "+w.viewerName()+" · read-only",
			filter, byCluster, widget.NewButton("Close package", func() { w.closeCase(); w.app.Quit() }))
	}
	legend := widget.NewLabel(w.legend())
	legend.Wrapping = fyne.TextWrapWord
	bottom := container.NewVBox(legend, w.status)
	content := container.NewBorder(top, bottom, nil, nil, container.NewStack(w.keys, w.grid))
	w.show("review", content)
	w.beginGridExposure()
	w.win.Canvas().Focus(w.keys)
	if w.cur >= m.Len() {
		w.cur = 0
	}
	w.restoreScroll(w.gridOffset)
	w.describeCurrent()
}

// keepGridOffset notes how far the grid is scrolled before it is replaced.
func (w *Workstation) keepGridOffset() {
	if w.screen == "review" && w.grid != nil {
		w.gridOffset = w.grid.GetScrollOffset()
	}
}

// restoreScroll scrolls the grid back to offset, then as little as needed
// to show the current item.
func (w *Workstation) restoreScroll(offset float32) {
	if w.grid == nil {
		return
	}
	w.grid.ScrollToOffset(offset)
	if offset == 0 {
		w.grid.ScrollToTop() // ScrollToOffset does nothing when all fits
	}
	if w.cur < w.desk.Model.Len() {
		w.grid.ScrollTo(w.cur)
	}
}

// viewKey names the view shown (filter and order) for the places kept.
func (w *Workstation) viewKey() string {
	return fmt.Sprintf("%v|%v|%v", w.desk.Model.Filter(), w.byCluster, w.desk.Model.CurrentOrder())
}

// changeView applies a change of filter or order, keeping the place: the
// view's own place when it was shown before, else the current media where
// it is still shown, else the top.
func (w *Workstation) changeView(change func()) {
	m := w.desk.Model
	offset := w.gridOffset
	if w.grid != nil {
		offset = w.grid.GetScrollOffset()
	}
	if m.Len() > 0 && w.cur < m.Len() {
		w.places[w.viewKey()] = m.PlaceAt(w.cur, offset)
	}
	cur := m.PlaceAt(w.cur, 0)
	change()
	pl, back := w.places[w.viewKey()]
	if !back {
		pl = cur
	}
	w.cur, w.sel = max(m.Find(pl), 0), map[int]bool{}
	if m.Find(pl) < 0 {
		pl.Offset = 0
	}
	w.gridOffset = pl.Offset
	if w.grid != nil {
		w.grid.Refresh()
		w.restoreScroll(pl.Offset)
	}
	w.describeCurrent()
}

func (w *Workstation) legend() string {
	if w.court != nil {
		return "arrows move · Enter details · Space reveal (grayscale, 5 s, recorded in the package) · F full view · F12 or Esc Esc hide everything"
	}
	var keys []string
	for _, c := range w.scheme.Categories {
		keys = append(keys, c.Key+" "+c.Label)
	}
	return strings.Join(keys, " · ") + "\n" +
		"arrows move · N next needing review · Shift+arrows / Ctrl+click select · A whole cluster · U undo · Enter details · " +
		"Space reveal (grayscale) · C colour reveal · F full view · F12 or Esc Esc hide everything"
}

// filterChoices lists the grid filters by name and applies one by name.
func (w *Workstation) filterChoices() ([]string, func(string)) {
	m := w.desk.Model
	type choice struct {
		name string
		f    review.Filter
	}
	cs := []choice{
		{"All pictures and videos", review.Filter{Kind: review.All}},
		{"Needs review", review.Filter{Kind: review.Uncategorized}},
		{"Matched by hash sets", review.Filter{Kind: review.HashSetMatched}},
		{"Suggested (near-duplicate)", review.Filter{Kind: review.Suggested}},
		{"Deleted or carved", review.Filter{Kind: review.DeletedOrCarved}},
		{"Pictures", review.Filter{Kind: review.Pictures}},
		{"Videos", review.Filter{Kind: review.Videos}},
	}
	for _, c := range w.scheme.Categories {
		cs = append(cs, choice{"Category " + c.Code + " " + c.Label, review.Filter{Kind: review.InCategory, Arg: c.Code}})
	}
	for _, ev := range m.Evidence {
		cs = append(cs, choice{"Evidence " + ev, review.Filter{Kind: review.InEvidence, Arg: ev}})
	}
	for _, c := range w.signalChoices() {
		cs = append(cs, choice(c))
	}
	if w.cur < m.Len() {
		if c := m.At(w.cur).Cluster; c >= 0 {
			cs = append(cs, choice{"Cluster of the selected item", review.Filter{Kind: review.InCluster, Arg: strconv.Itoa(int(c))}})
		}
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	return names, func(name string) {
		for _, c := range cs {
			if c.name == name {
				w.filterLabel = name
				w.SetFilter(c.f)
				return
			}
		}
	}
}

// filterName is the filter shown in the picker: the one last chosen, if it
// is still offered.
func (w *Workstation) filterName(names []string) string {
	for _, n := range names {
		if n == w.filterLabel {
			return n
		}
	}
	return names[0]
}

// SetFilter changes what the grid shows.
func (w *Workstation) SetFilter(f review.Filter) {
	w.endReveal("filter")
	w.changeView(func() { w.desk.Model.SetFilter(f) })
}

// tile is one grid cell: the reduced picture, its category, and a frame for
// the cursor and the selection.
type tile struct {
	widget.BaseWidget
	w     *Workstation
	pos   int
	size  fyne.Size
	img   *canvas.Image
	bg    *canvas.Rectangle
	frame *canvas.Rectangle
	text  *canvas.Text
	facts []*canvas.Text // file facts, when the examiner shows them
}

func (w *Workstation) newTile() fyne.CanvasObject {
	t := &tile{w: w, pos: -1, size: w.tileSize()}
	t.img = canvas.NewImageFromImage(nil)
	t.img.FillMode = canvas.ImageFillContain
	t.img.ScaleMode = canvas.ImageScaleFastest
	t.bg = canvas.NewRectangle(placeholder)
	t.frame = canvas.NewRectangle(color.Transparent)
	t.frame.StrokeWidth = 3
	t.text = canvas.NewText("", textColor)
	t.text.TextSize = 11
	if w.showFacts() {
		for range factLines {
			f := canvas.NewText("", factColor)
			f.TextSize = 11
			t.facts = append(t.facts, f)
		}
	}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	side := TileSize.Width - 12
	t.bg.Resize(fyne.NewSize(side, side))
	t.bg.Move(fyne.NewPos(6, 6))
	t.img.Resize(fyne.NewSize(side, side))
	t.img.Move(fyne.NewPos(6, 6))
	t.frame.Resize(fyne.NewSize(TileSize.Width-2, side+10))
	t.frame.Move(fyne.NewPos(1, 1))
	t.text.Move(fyne.NewPos(6, side+10))
	objs := []fyne.CanvasObject{t.bg, t.img, t.frame, t.text}
	for i, f := range t.facts {
		f.Move(fyne.NewPos(6, side+10+float32(i+1)*factLineHeight))
		objs = append(objs, f)
	}
	return widget.NewSimpleRenderer(container.NewWithoutLayout(objs...))
}

func (t *tile) MinSize() fyne.Size { return t.size }

// Tapped moves the cursor here; with Ctrl or Shift held it extends the
// selection. The grid never takes focus, so typed keys keep reaching the
// review keys.
func (t *tile) Tapped(*fyne.PointEvent) {
	if t.pos >= 0 {
		t.w.tap(t.pos)
	}
}

func (w *Workstation) updateTile(id widget.GridWrapItemID, o fyne.CanvasObject) {
	t := o.(*tile)
	if old, ok := w.tiles[t.pos]; ok && old == t {
		delete(w.tiles, t.pos)
	}
	t.pos = id
	w.tiles[id] = t
	w.paintTile(t)
}

func (w *Workstation) paintTile(t *tile) {
	m := w.desk.Model
	if t.pos >= m.Len() {
		return
	}
	it := m.At(t.pos)
	level := preview.Blurred
	if r := w.reveal; r != nil && !r.full && r.sha == it.Hex() {
		level = r.level
	}
	var img image.Image
	if it.Flags&review.FlagNoThumb == 0 {
		img, _ = w.cache.Get(thumbs.Key{SHA: it.SHA, Level: level})
	}
	t.img.Image = img
	t.img.Refresh()
	switch {
	case t.pos == w.cur:
		t.frame.StrokeColor = currentColor
	case w.sel[t.pos]:
		t.frame.StrokeColor = selectColor
	default:
		t.frame.StrokeColor = color.Transparent
	}
	t.frame.Refresh()
	t.text.Text = w.tileCaption(it)
	t.text.Refresh()
	if len(t.facts) > 0 {
		for i, line := range w.factsOf(it).lines() {
			t.facts[i].Text = line
			t.facts[i].Refresh()
		}
	}
}

func (w *Workstation) tileCaption(it review.Item) string {
	var parts []string
	if it.Flags&review.FlagVideo != 0 {
		parts = append(parts, "video")
	}
	switch {
	case it.Category == "":
		parts = append(parts, "—")
	case it.Source == "suggested":
		parts = append(parts, it.Category+"?")
	default:
		parts = append(parts, it.Category+" "+it.Source)
	}
	if it.Flags&review.FlagConflict != 0 {
		parts = append(parts, "conflict")
	}
	if it.Flags&review.FlagCarved != 0 {
		parts = append(parts, "carved")
	} else if it.Flags&review.FlagDeleted != 0 {
		parts = append(parts, "deleted")
	}
	if it.Flags&review.FlagNoThumb != 0 {
		parts = append(parts, "no preview")
	}
	return strings.Join(parts, " · ")
}

// thumbReady repaints the tile showing a media whose rendering arrived.
func (w *Workstation) thumbReady(k thumbs.Key) {
	if w.testDriver {
		return
	}
	fyne.Do(func() {
		if w.desk == nil {
			return
		}
		for _, t := range w.tiles {
			if t.pos < w.desk.Model.Len() && w.desk.Model.At(t.pos).SHA == k.SHA {
				w.paintTile(t)
			}
		}
	})
}

func (w *Workstation) repaint(positions ...int) {
	for _, p := range positions {
		if t, ok := w.tiles[p]; ok && t.pos == p {
			w.paintTile(t)
		}
	}
}

func (w *Workstation) columns() int {
	if w.grid == nil {
		return 1
	}
	return max(1, int(w.grid.Size().Width/(TileSize.Width+4)))
}

// Move puts the cursor at position p (clamped); with extend the positions
// passed over join the selection.
func (w *Workstation) Move(p int, extend bool) {
	n := w.desk.Model.Len()
	if n == 0 {
		return
	}
	p = min(max(p, 0), n-1)
	if w.reveal != nil {
		w.endReveal("moved")
	}
	old := w.cur
	changed := []int{old, p}
	if extend {
		w.sel[old] = true
		w.sel[p] = true
	} else if len(w.sel) > 0 {
		for q := range w.sel {
			changed = append(changed, q)
		}
		w.sel = map[int]bool{}
	}
	w.cur = p
	w.repaint(changed...)
	if w.grid != nil {
		w.grid.ScrollTo(p)
	}
	w.describeCurrent()
}

func (w *Workstation) tap(p int) {
	if w.ctrl || w.shift {
		if w.sel[p] && p != w.cur {
			delete(w.sel, p)
			w.repaint(p)
			return
		}
		w.sel[w.cur] = true
		w.sel[p] = true
		old := w.cur
		w.cur = p
		w.repaint(old, p)
		w.describeCurrent()
	} else {
		w.Move(p, false)
	}
	if w.keys != nil {
		w.win.Canvas().Focus(w.keys)
	}
}

// SelectCluster selects every shown near-duplicate of the current item.
func (w *Workstation) SelectCluster() {
	ps := w.desk.Model.ClusterPositions(w.cur)
	for _, p := range ps {
		w.sel[p] = true
	}
	w.repaint(ps...)
	w.say("%d near-duplicates selected: a category key now sets all of them", len(ps))
}

// Selection is the positions a category key applies to.
func (w *Workstation) Selection() []int {
	if len(w.sel) == 0 {
		return []int{w.cur}
	}
	out := make([]int, 0, len(w.sel)+1)
	for p := range w.sel {
		out = append(out, p)
	}
	if !w.sel[w.cur] {
		out = append(out, w.cur)
	}
	sort.Ints(out)
	return out
}

// Categorize applies the category of a scheme key to the selection, then
// moves to the item after it.
func (w *Workstation) Categorize(key string) error {
	c, ok := w.desk.CategoryForKey(key)
	if !ok || w.desk.Model.Len() == 0 {
		return nil
	}
	if w.court != nil {
		w.say("a court package is read-only")
		return nil
	}
	w.endReveal("categorized")
	sel := w.Selection()
	if err := w.desk.Categorize(w.ctx, c.Code, sel); err != nil {
		w.say("%v", err)
		return err
	}
	w.labSend.decided()
	decided := make([]string, 0, len(sel))
	for _, p := range sel {
		sha := w.desk.Model.At(p).Hex()
		decided = append(decided, sha)
		if err := w.opt.Home.RecordReview(w.session, w.caseName(), sha, c.Code); err != nil {
			w.say("exposure record: %v", err)
		}
	}
	w.suggestSoon(decided)
	w.forgetFacts(decided)
	next := slices.Max(sel) + 1
	w.repaint(sel...)
	w.sel = map[int]bool{}
	if next >= w.desk.Model.Len() {
		next = w.desk.Model.Len() - 1
	}
	w.Move(next, false)
	w.say("%d set to %s %s", len(sel), c.Code, c.Label)
	return nil
}

// Undo takes back this session's last decision and goes back to it.
func (w *Workstation) Undo() error {
	if w.court != nil {
		return nil
	}
	shas, err := w.desk.Undo(w.ctx)
	if err != nil {
		w.say("%v", err)
		return err
	}
	w.suggestSoon(shas)
	w.forgetFacts(shas)
	for _, sha := range shas {
		if p := w.desk.Model.PositionOf(sha); p >= 0 {
			w.repaint(p)
		}
	}
	if p := w.desk.Model.PositionOf(shas[0]); p >= 0 {
		w.Move(p, false)
	}
	w.say("undone: %d media", len(shas))
	return nil
}

// suggestSoon runs the near-duplicate pass from the media just decided or
// undone, off the key press, once for a burst of decisions. Only the
// categories it may have changed are read back.
func (w *Workstation) suggestSoon(shas []string) {
	w.suggestMu.Lock()
	w.suggestShas = append(w.suggestShas, shas...)
	if w.suggestPending {
		w.suggestMu.Unlock()
		return
	}
	w.suggestPending = true
	w.suggestMu.Unlock()
	desk, eng, st := w.desk, w.eng, w.st
	w.opt.Clock.AfterFunc(1500*time.Millisecond, func() {
		run := func(f func()) { go f() }
		if w.testDriver {
			run = func(f func()) { f() } // tests: stay on the test's goroutine
		}
		run(func() {
			w.suggestMu.Lock()
			w.suggestPending = false
			todo := w.suggestShas
			w.suggestShas = nil
			w.suggestMu.Unlock()
			if err := eng.SuggestFrom(w.ctx, todo); err != nil {
				fyne.Do(func() { w.say("near-duplicate suggestions: %v", err) })
				return
			}
			fyne.Do(func() {
				if w.desk != desk {
					return
				}
				if err := desk.Model.Refresh(st); err == nil && w.grid != nil {
					w.forgetFacts(nil)
					w.grid.Refresh()
				}
			})
		})
	})
}

func (w *Workstation) describeCurrent() {
	m := w.desk.Model
	if m.Len() == 0 {
		w.say("nothing to show under this filter")
		return
	}
	it := m.At(w.cur)
	label := "no category"
	if c, ok := w.scheme.ByCode(it.Category); ok {
		label = c.Code + " " + c.Label + " (" + it.Source + ")"
	}
	w.say("%d/%d · %s… · %s", w.cur+1, m.Len(), it.Hex()[:16], label)
}

// keyCatcher holds the keyboard focus on the review screen: typed digits
// would be swallowed by the grid if it had the focus.
type keyCatcher struct {
	widget.BaseWidget
	w *Workstation
}

func newKeyCatcher(w *Workstation) *keyCatcher {
	k := &keyCatcher{w: w}
	k.ExtendBaseWidget(k)
	return k
}

func (k *keyCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

func (k *keyCatcher) FocusGained() {}
func (k *keyCatcher) FocusLost()   {}

func (k *keyCatcher) TypedRune(r rune) {
	w := k.w
	if w.desk == nil {
		return
	}
	switch r {
	case 'u', 'U':
		w.Undo()
	case 'c', 'C':
		w.Reveal(true)
	case 'f', 'F':
		w.FullView()
	case 'a', 'A':
		w.SelectCluster()
	case 'n', 'N':
		if p := w.desk.Model.NextNeedingReview(w.cur); p >= 0 {
			w.Move(p, false)
		} else {
			w.say("nothing under this filter still needs review")
		}
	case ' ':
		// Space is handled on key down/up.
	default:
		w.Categorize(string(r))
	}
}

func (k *keyCatcher) TypedKey(ev *fyne.KeyEvent) {
	w := k.w
	if w.desk == nil {
		return
	}
	cols := w.columns()
	switch ev.Name {
	case fyne.KeyRight:
		w.Move(w.cur+1, w.shift)
	case fyne.KeyLeft:
		w.Move(w.cur-1, w.shift)
	case fyne.KeyDown:
		w.Move(w.cur+cols, w.shift)
	case fyne.KeyUp:
		w.Move(w.cur-cols, w.shift)
	case fyne.KeyPageDown:
		w.Move(w.cur+cols*4, w.shift)
	case fyne.KeyPageUp:
		w.Move(w.cur-cols*4, w.shift)
	case fyne.KeyHome:
		w.Move(0, w.shift)
	case fyne.KeyEnd:
		w.Move(w.desk.Model.Len()-1, w.shift)
	case fyne.KeyReturn, fyne.KeyEnter:
		w.ShowDetails()
	case fyne.KeyEscape:
		w.escape()
	case fyne.KeyF12:
		w.Panic()
	}
}

// KeyDown and KeyUp give Space its hold-to-reveal meaning and track the
// modifier keys for selection.
func (k *keyCatcher) KeyDown(ev *fyne.KeyEvent) {
	w := k.w
	switch ev.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		w.shift = true
	case desktop.KeyControlLeft, desktop.KeyControlRight:
		w.ctrl = true
	case fyne.KeySpace:
		w.Reveal(false)
	}
}

func (k *keyCatcher) KeyUp(ev *fyne.KeyEvent) {
	w := k.w
	switch ev.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		w.shift = false
	case desktop.KeyControlLeft, desktop.KeyControlRight:
		w.ctrl = false
	case fyne.KeySpace:
		if w.reveal != nil && !w.reveal.full && w.reveal.pressed {
			w.endReveal("released")
		}
	}
}

func (w *Workstation) beginGridExposure() {
	if w.gridExposure != "" || w.session == nil && w.court == nil {
		return
	}
	id, err := w.exposures().Begin(profile.Exposure{Case: w.caseName(), Mode: "grid", Start: w.opt.Clock.Now()})
	if err != nil {
		w.say("exposure record: %v", err)
		return
	}
	w.gridExposure = id
}

func (w *Workstation) endGridExposure() {
	if w.gridExposure == "" {
		return
	}
	if _, err := w.exposures().End(w.gridExposure, w.opt.Clock.Now()); err != nil {
		w.say("exposure record: %v", err)
	}
	w.gridExposure = ""
}
