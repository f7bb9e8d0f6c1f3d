package desk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif" // decoders for the full view
	_ "image/jpeg"
	_ "image/png"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"github.com/disintegration/imaging"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"

	"scrim/ingest/evidence"
	"scrim/profile"
	"scrim/store"
	"scrim/ui/preview"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

// revealState is the one item shown less reduced, and until when.
type revealState struct {
	pos     int
	sha     string
	key     thumbs.Key
	level   preview.Level
	mode    string
	id      string // exposure event
	start   time.Time
	limit   time.Duration
	timer   Timer
	beat    Timer
	full    bool // full-size view of the original
	pressed bool // started by Space held down: releasing ends it
}

// Reveal shows the current item less blurred (grayscale; colour only when
// asked and allowed) for the supervisor's time limit. A second press ends it.
func (w *Workstation) Reveal(colour bool) {
	if w.desk == nil || w.desk.Model.Len() == 0 || w.panicked {
		return
	}
	if w.reveal != nil {
		w.endReveal("pressed again")
		return
	}
	it := w.desk.Model.At(w.cur)
	mode, level := profile.ModeReveal, preview.Revealed
	if colour {
		mode, level = profile.ModeRevealColour, preview.RevealedColour
	}
	if it.Flags&review.FlagVideo != 0 && !colour {
		mode = profile.ModeVideo // a contact sheet of frames, counted as video exposure
	}
	limit, ok := w.allowed(mode)
	if !ok {
		return
	}
	key := thumbs.Key{SHA: it.SHA, Level: level}
	if _, err := w.cache.Render(key); err != nil {
		w.say("no preview to reveal: %v", err)
		return
	}
	if !w.beginReveal(&revealState{pos: w.cur, sha: it.Hex(), key: key, level: level, mode: mode, limit: limit, pressed: !colour}) {
		return
	}
	w.repaint(w.cur)
	w.sayRevealed(w.reveal)
}

// tapTime: a Space released sooner than this was a tap, not a hold.
const tapTime = 300 * time.Millisecond

// sayRevealed puts the reveal's real state in the status line: how long it
// has left, counted down by the same clock that re-blurs it.
func (w *Workstation) sayRevealed(r *revealState) {
	if r == nil || r.full {
		return
	}
	left := r.limit - w.opt.Clock.Now().Sub(r.start)
	secs := int((left + time.Second - 1) / time.Second)
	how, undo := "revealed", "release Space to re-blur now"
	if r.mode == profile.ModeRevealColour {
		how, undo = "revealed in colour", "C again to re-blur now"
	} else if !r.pressed {
		undo = "Space again to re-blur now"
	}
	w.say("%s · %d s left · %s", how, max(secs, 0), undo)
}

// sayReblurred says a reveal ended, how long it was shown and why.
func (w *Workstation) sayReblurred(r *revealState, reason string, shown time.Duration) {
	secs := fmt.Sprintf("%.1f s", shown.Seconds())
	switch {
	case reason == "time limit":
		w.say("re-blurred after %s, the longest reveal allowed", secs)
	case reason == "released" && r.pressed && shown < tapTime:
		w.say("Space tapped: re-blurred after %s · hold Space to reveal", secs)
	case reason == "released", reason == "pressed again", reason == "escape":
		w.say("re-blurred after %s", secs)
	}
}

// RevealFor reveals the current item (grayscale) and ends the reveal after
// d or the policy's limit, whichever comes first: the screenshot tour's
// stand-in for holding Space.
func (w *Workstation) RevealFor(d time.Duration) error {
	w.Reveal(false)
	r := w.reveal
	if r == nil {
		return fmt.Errorf("reveal refused: %s", w.status.Text)
	}
	w.opt.Clock.AfterFunc(d, func() {
		fyne.Do(func() {
			if w.reveal == r {
				w.endReveal("released")
			}
		})
	})
	return nil
}

// allowed asks the policy for a reveal in mode and how long it may last.
func (w *Workstation) allowed(mode string) (time.Duration, bool) {
	d, err := w.exposures().CheckReveal(mode)
	if err != nil {
		w.say("%v", err)
		return 0, false
	}
	if !d.Allowed {
		w.say("%s", d.Reason)
		return 0, false
	}
	limit := w.policy.MaxReveal
	if d.Max > 0 && d.Max < limit || limit <= 0 {
		limit = d.Max
	}
	return limit, limit > 0
}

func (w *Workstation) beginReveal(r *revealState) bool {
	r.start = w.opt.Clock.Now()
	id, err := w.exposures().Begin(profile.Exposure{Case: w.caseName(), SHA256: r.sha, Mode: r.mode, Start: r.start})
	if err != nil {
		// Nothing is shown that was not recorded.
		w.say("cannot record the reveal, so it is not shown: %v", err)
		return false
	}
	r.id = id
	w.reveal = r
	var beat func()
	beat = func() {
		fyne.Do(func() {
			if w.reveal != r {
				return
			}
			w.exposures().Heartbeat(r.id)
			w.sayRevealed(r)
			r.beat = w.opt.Clock.AfterFunc(time.Second, beat)
		})
	}
	r.beat = w.opt.Clock.AfterFunc(time.Second, beat)
	r.timer = w.opt.Clock.AfterFunc(r.limit, func() {
		fyne.Do(func() {
			if w.reveal == r {
				w.endReveal("time limit")
			}
		})
	})
	return true
}

// endReveal re-blurs at once and records the exposure with its exact length.
func (w *Workstation) endReveal(reason string) {
	r := w.reveal
	if r == nil {
		return
	}
	w.reveal = nil
	r.timer.Stop()
	r.beat.Stop()
	shown := w.opt.Clock.Now().Sub(r.start)
	ev, err := w.exposures().End(r.id, w.opt.Clock.Now())
	if err != nil {
		w.say("exposure record: %v", err)
	}
	w.audit("reveal", map[string]string{"sha256": r.sha, "mode": r.mode,
		"duration_ms": fmt.Sprint(ev.DurationMS), "ended": reason})
	if w.cache != nil {
		w.cache.Forget(r.key)
	}
	if r.full {
		if (w.session != nil || w.court != nil) && !w.panicked && w.desk != nil {
			w.showReview()
			w.say("full view closed after %.1f s", shown.Seconds())
		}
		return
	}
	w.repaint(r.pos)
	if err == nil {
		w.sayReblurred(r, reason, shown)
	}
}

// levelAt is the level the tile at pos shows now.
func (w *Workstation) levelAt(pos int) preview.Level {
	if r := w.reveal; r != nil && !r.full && r.pos == pos {
		return r.level
	}
	return preview.Blurred
}

// FullView reads the original bytes back from the evidence (checking them
// against the media's SHA-256) and shows them fitted to the window, in
// grayscale, under the same time limit.
func (w *Workstation) FullView() {
	if w.desk == nil || w.desk.Model.Len() == 0 || w.reveal != nil {
		return
	}
	it := w.desk.Model.At(w.cur)
	if it.Flags&review.FlagVideo != 0 {
		w.say("videos are reviewed from their contact sheet; no playback")
		return
	}
	limit, ok := w.allowed(profile.ModeFull)
	if !ok {
		return
	}
	sha := it.Hex()
	w.say("reading the original back from the evidence…")
	data, err := w.readOriginal(sha)
	if err != nil {
		w.say("full view: %v", err)
		return
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		w.say("full view: decode: %v", err)
		return
	}
	img = imaging.Grayscale(img)
	pos := w.cur
	r := &revealState{pos: pos, sha: sha, mode: profile.ModeFull, limit: limit, full: true}
	view := canvas.NewImageFromImage(img)
	view.FillMode = canvas.ImageFillContain
	w.endGridExposure()
	if !w.beginReveal(r) {
		w.beginGridExposure()
		return
	}
	note := widget.NewLabel(fmt.Sprintf("Full view (grayscale), %s… — returns to the grid after %s or any key", sha[:16], limit))
	back := newKeyCatcherFunc(func() { w.endReveal("closed") }, w)
	w.show("full", container.NewBorder(note, nil, nil, nil, container.NewStack(back, view)))
	w.win.Canvas().Focus(back)
}

// maxFullView bounds what a full view holds in memory.
const maxFullView = 256 << 20

// readOriginal finds one readable occurrence and reads it back, read-only.
func (w *Workstation) readOriginal(sha string) ([]byte, error) {
	if w.court != nil {
		return w.court.b.Original(sha) // checked against its SHA-256 by the package
	}
	occs, err := w.st.OccurrencesOf(sha)
	if err != nil {
		return nil, err
	}
	var lastErr error = fmt.Errorf("no occurrence of %s can be read back", sha)
	for _, o := range occs {
		ev, ok, err := w.st.Evidence(o.Evidence)
		if err != nil || !ok {
			continue
		}
		var out []byte
		ctx, cancel := context.WithTimeout(w.ctx, 30*time.Second)
		loc, lerr := w.locatorOf(o)
		if lerr != nil {
			cancel()
			lastErr = lerr
			continue
		}
		err = evidence.ReadBack(ctx, ev.Path, []evidence.Locator{loc}, func(_ int, c evidence.Content, size int64) error {
			if size > maxFullView {
				return fmt.Errorf("%d bytes is over the %d-byte full-view limit", size, maxFullView)
			}
			buf := make([]byte, size)
			if n, err := c.ReadAt(buf, 0); int64(n) != size {
				return fmt.Errorf("read back %s: %w", o.Path, err)
			}
			out = buf
			return evidence.ErrDone
		})
		cancel()
		if err != nil {
			lastErr = err
			continue
		}
		if out == nil {
			continue
		}
		sum := sha256.Sum256(out)
		if hex.EncodeToString(sum[:]) != sha {
			lastErr = fmt.Errorf("%s in %s no longer holds the content ingested", o.Path, o.Evidence)
			continue
		}
		return out, nil
	}
	return nil, lastErr
}

// locatorOf names where to read a place back: an embedded place through
// the evidence's own file holding it and the chain of member names.
func (w *Workstation) locatorOf(o store.Occurrence) (evidence.Locator, error) {
	top, names, err := w.st.Outermost(o)
	if err != nil {
		return evidence.Locator{}, err
	}
	return evidence.Locator{Volume: top.Volume, Path: top.Path, Inode: top.Inode, Offset: top.Offset, Carved: top.Carved,
		Deleted: top.Deleted, Chain: strings.Join(names, evidence.ChainSeparator)}, nil
}

// keyCatcherFunc ends a full view on any key or click.
type keyCatcherFunc struct {
	widget.BaseWidget
	f func()
	w *Workstation
}

func newKeyCatcherFunc(f func(), w *Workstation) *keyCatcherFunc {
	k := &keyCatcherFunc{f: f, w: w}
	k.ExtendBaseWidget(k)
	return k
}

func (k *keyCatcherFunc) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(neutral))
}
func (k *keyCatcherFunc) FocusGained()            {}
func (k *keyCatcherFunc) FocusLost()              {}
func (k *keyCatcherFunc) Tapped(*fyne.PointEvent) { k.f() }
func (k *keyCatcherFunc) TypedRune(rune)          { k.f() }
func (k *keyCatcherFunc) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyF12 {
		k.w.Panic()
		return
	}
	k.f()
}
