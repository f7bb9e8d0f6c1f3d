// Package desk is the examiner's workstation drawn with Fyne: sign-in, the
// case screen, the blurred review grid driven from the keyboard, reveals
// under the supervisor's limits, the panic screen and the supervisor's
// dashboard. Decisions and figures come from the packages the CLI uses
// (review, categorize, store, profile); widgets only show and forward keys.
package desk

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"scrim/categorize"
	"scrim/profile"
	"scrim/signals"
	"scrim/store"
	"scrim/ui/preview"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

// Options configure a workstation.
type Options struct {
	Home     *profile.Home
	CaseDir  string   // opened right after sign-in when set
	Evidence []string // added to that case (ingested in the background)
	Clock    Clock
	Preview  preview.Policy
	Version  string
	// CacheTiles bounds the rendered thumbnails kept in memory.
	CacheTiles int
	// CourtFile opens a court package (read-only viewing) instead of a case.
	CourtFile string
	// SignInHint is shown under the sign-in form (the demo's profiles).
	SignInHint string
	// Signals runs the face, age and nudity models in ingests (nil: off;
	// a case whose setting is off runs none either).
	Signals signals.Analyzer
}

// Workstation is one window of Scrim.
type Workstation struct {
	app fyne.App
	win fyne.Window
	opt Options
	ctx context.Context

	session *profile.Session
	policy  profile.Policy

	// The open case; nil on the sign-in and case screens before one is open.
	st     *store.Store
	eng    *categorize.Engine
	scheme categorize.Scheme
	desk   *review.Desk
	cache  *thumbs.Cache
	// detailsBoxes is the face-box preview details shows last (tests).
	detailsBoxes *canvas.Image
	// labSend sends the open case's decisions to the lab's library.
	labSend *labSender

	grid   *widget.GridWrap
	keys   *keyCatcher
	status *widget.Label
	tiles  map[int]*tile // shown tiles by position, for targeted refreshes

	verifyIngest bool // the case screen's "verify acquisition hashes"

	cur         int
	sel         map[int]bool
	filterLabel string
	byCluster   bool // near-duplicates together (the grid's check box)
	// gridOffset is the grid's scroll offset when it was last left; places
	// is the place kept per view (filter and order) for coming back to it.
	gridOffset float32
	places     map[string]review.Place
	prefs      profile.Preferences // the signed-in examiner's
	facts      map[[32]byte]tileFacts
	shift      bool
	ctrl       bool
	reveal     *revealState

	gridExposure string // open "grid" exposure event while the grid shows
	panicked     bool
	lastEsc      time.Time
	breakTimer   Timer
	onBreak      bool

	suggestMu      sync.Mutex
	suggestPending bool
	suggestShas    []string // decided or undone since the last pass

	ingest  *ingestRun
	loading bool // the review queue is being read
	loadErr error
	screen  string // name of the screen shown, for tests and screenshots

	court *courtLog // an open court package, viewed read-only

	// testDriver: Fyne's test driver runs fyne.Do on the calling goroutine,
	// so work that would come back to the UI goroutine from a background one
	// (tile repaints, progress, the end of an ingest, near-duplicate passes)
	// is left to the test's goroutine instead.
	testDriver bool
}

// New builds a workstation in win; call Start to show the sign-in screen.
func New(ctx context.Context, app fyne.App, win fyne.Window, opt Options) *Workstation {
	if opt.Clock == nil {
		opt.Clock = RealClock{}
	}
	if opt.Preview.Size == 0 {
		opt.Preview = preview.DefaultPolicy()
	}
	if opt.CacheTiles <= 0 {
		opt.CacheTiles = 2000
	}
	w := &Workstation{app: app, win: win, opt: opt, ctx: ctx, sel: map[int]bool{}, tiles: map[int]*tile{},
		byCluster: true, places: map[string]review.Place{}, facts: map[[32]byte]tileFacts{}}
	win.Canvas().SetOnTypedKey(w.globalKey)
	return w
}

// Start shows the sign-in screen, or the court package's open screen.
func (w *Workstation) Start() {
	if w.opt.CourtFile != "" {
		w.showCourtOpen(w.opt.CourtFile)
		return
	}
	w.showSignIn()
}

// Screen names what is shown: "sign-in", "case", "review", "details",
// "panic", "break", "dashboard".
func (w *Workstation) Screen() string { return w.screen }

// Session is who is signed in, nil before sign-in.
func (w *Workstation) Session() *profile.Session { return w.session }

// Close ends open exposure events and closes the case.
func (w *Workstation) Close() {
	w.endReveal("closed")
	w.endGridExposure()
	w.closeCase()
}

func (w *Workstation) show(name string, content fyne.CanvasObject) {
	if name != "review" {
		w.endGridExposure()
		w.keepGridOffset()
	}
	w.screen = name
	// The panic screen covers the whole window, margins included.
	w.win.SetPadded(name != "panic")
	w.win.SetContent(content)
}

func (w *Workstation) say(format string, a ...any) {
	if w.status != nil {
		w.status.SetText(fmt.Sprintf(format, a...))
	}
}

// globalKey handles keys when no widget has focus: the panic key works on
// every screen.
func (w *Workstation) globalKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyF12:
		w.Panic()
	case fyne.KeyEscape:
		w.escape()
	}
}

// escape: Esc twice within a second is the panic key.
func (w *Workstation) escape() {
	now := w.opt.Clock.Now()
	if !w.lastEsc.IsZero() && now.Sub(w.lastEsc) < time.Second {
		w.lastEsc = time.Time{}
		w.Panic()
		return
	}
	w.lastEsc = now
	if w.reveal != nil {
		w.endReveal("escape")
	}
}

func (w *Workstation) caseName() string {
	if w.court != nil {
		return w.court.b.Index().CaseName
	}
	if w.st == nil {
		return ""
	}
	return filepath.Base(w.st.Dir())
}

func (w *Workstation) audit(action string, detail map[string]string) {
	if w.st == nil || w.session == nil {
		return
	}
	if _, err := w.st.Audit(w.session.Name, action, detail, w.opt.Clock.Now()); err != nil {
		w.say("audit log: %v", err)
	}
}

func (w *Workstation) closeCase() {
	if w.ingest != nil {
		w.ingest.cancel()
		w.ingest.wait()
		w.ingest = nil
	}
	if w.cache != nil {
		w.cache.Close()
		w.cache = nil
	}
	w.stopLabSender()
	if w.st != nil {
		w.st.Close()
		w.st = nil
	}
	w.closeCourt()
	w.desk, w.eng, w.grid, w.keys = nil, nil, nil, nil
	w.tiles = map[int]*tile{}
	w.cur, w.gridOffset, w.filterLabel, w.byCluster = 0, 0, "", true
	w.places, w.facts = map[string]review.Place{}, map[[32]byte]tileFacts{}
}

func header(title string, right ...fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewBorder(nil, nil, l, container.NewHBox(right...))
}
