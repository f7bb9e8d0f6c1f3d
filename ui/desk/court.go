package desk

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"scrim/categorize"
	"scrim/export/court"
	"scrim/profile"
	"scrim/store"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

// courtMaxReveal is the reveal length in a court package: there is no
// supervisor to set it, so it is the workstation default.
const courtMaxReveal = 5 * time.Second

// courtLog records a judge's viewing into the package's own exposure
// record, which travels with the file.
type courtLog struct {
	b      *court.Bundle
	path   string
	viewer string
	mu     sync.Mutex
	open   map[string]profile.Exposure
	seq    int
}

func (l *courtLog) CheckReveal(mode string) (profile.Decision, error) {
	if mode == profile.ModeRevealColour {
		return profile.Decision{Reason: "Colour is not available in a court package: it shows grayscale only."}, nil
	}
	return profile.Decision{Allowed: true, Max: courtMaxReveal}, nil
}

func (l *courtLog) Begin(e profile.Exposure) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	id := fmt.Sprint(l.seq)
	l.open[id] = e
	return id, nil
}

func (l *courtLog) End(id string, end time.Time) (profile.Event, error) {
	l.mu.Lock()
	e, ok := l.open[id]
	delete(l.open, id)
	l.mu.Unlock()
	if !ok {
		return profile.Event{}, profile.ErrClosed
	}
	ms := max(end.Sub(e.Start).Milliseconds(), 0)
	rec := court.ExposureRecord{Viewer: l.viewer, SHA256: e.SHA256, Mode: e.Mode, Start: e.Start.UTC(), DurationMS: ms}
	if err := l.b.AppendExposure(rec); err != nil {
		return profile.Event{}, fmt.Errorf("court package exposure record: %w", err)
	}
	return profile.Event{ID: id, Examiner: l.viewer, SHA256: e.SHA256, Mode: e.Mode, Start: e.Start, End: end, DurationMS: ms}, nil
}

// Heartbeat: a package's record is written when a reveal ends; a crash
// loses that one reveal's record.
func (l *courtLog) Heartbeat(string) error { return nil }

func (w *Workstation) viewerName() string {
	if w.court != nil {
		return w.court.viewer
	}
	if w.session != nil {
		return w.session.Name
	}
	return ""
}

// showCourtOpen asks who is viewing and the package's passphrase.
func (w *Workstation) showCourtOpen(path string) {
	who := widget.NewEntry()
	who.SetPlaceHolder("Your name (recorded with every reveal, inside the package)")
	pass := widget.NewPasswordEntry()
	pass.SetPlaceHolder("Passphrase")
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	submit := func() {
		if err := w.OpenCourt(path, who.Text, pass.Text); err != nil {
			msg.SetText(err.Error())
			pass.SetText("")
		}
	}
	pass.OnSubmitted = func(string) { submit() }
	form := container.NewVBox(
		widget.NewLabelWithStyle("Court package", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Read-only. Pictures show blurred and grayscale; each reveal lasts a few seconds and is recorded in the package.",
			fyne.TextAlignCenter, fyne.TextStyle{Italic: true}),
		who, pass, widget.NewButton("Open", submit), msg)
	w.show("court-open", container.NewCenter(container.NewGridWrap(fyne.NewSize(520, 300), form)))
	w.win.Canvas().Focus(who)
}

// OpenCourt opens a court package read-only and shows its media in the
// review grid; the only write is the exposure record appended to it.
func (w *Workstation) OpenCourt(path, viewer, passphrase string) error {
	viewer = strings.TrimSpace(viewer)
	if viewer == "" {
		return fmt.Errorf("enter your name: every reveal is recorded with it")
	}
	b, err := court.Open(path, passphrase)
	if err != nil {
		return err
	}
	w.closeCase()
	ix := b.Index()
	w.court = &courtLog{b: b, path: path, viewer: viewer, open: map[string]profile.Exposure{}}
	w.scheme = categorize.Scheme{ID: ix.Scheme.ID, Name: ix.Scheme.Name}
	for _, c := range ix.Scheme.Categories {
		w.scheme.Categories = append(w.scheme.Categories, categorize.Category{Code: c.Code, Label: c.Label, Illegal: c.Illegal, Severity: c.Severity})
	}
	var items []review.Item
	for _, m := range b.Media() {
		var it review.Item
		if _, err := hex.Decode(it.SHA[:], []byte(m.SHA256)); err != nil {
			continue
		}
		it.Cluster = -1
		it.Category = m.Category
		it.Source = string(store.ParseProvenance(m.CategorySource).Kind)
		if m.Kind == "video" {
			it.Flags |= review.FlagVideo
		}
		if m.Thumbnail.Length == 0 {
			it.Flags |= review.FlagNoThumb
		}
		items = append(items, it)
	}
	w.desk = &review.Desk{Model: review.NewModel(w.scheme, nil, items), Examiner: viewer}
	w.cache = thumbs.New(func(sha [32]byte) ([]byte, error) { return b.Thumbnail(hex.EncodeToString(sha[:])) },
		w.opt.Preview, w.opt.CacheTiles, 2, w.thumbReady)
	// Viewing that cannot be recorded does not happen: a package on
	// read-only media is refused before anything shows.
	id, _ := w.court.Begin(profile.Exposure{Mode: "opened", Start: w.opt.Clock.Now()})
	if _, err := w.court.End(id, w.opt.Clock.Now()); err != nil {
		w.closeCase()
		return fmt.Errorf("%w (copy the package to a writable disk: every reveal is recorded inside it)", err)
	}
	w.showReview()
	return nil
}

func (w *Workstation) closeCourt() {
	if w.court == nil {
		return
	}
	w.court.b.Close()
	w.court = nil
}

func (w *Workstation) courtDetailsText(sha string) string {
	m, ok := w.court.b.MediaEntry(sha)
	if !ok {
		return "not in this package"
	}
	var b strings.Builder
	ix := w.court.b.Index()
	fmt.Fprintf(&b, "Court package of case %s %s, made %s by %s\n\n", ix.CaseName, ix.CaseNumber, ix.CreatedAt.UTC().Format(time.RFC3339), ix.CreatedBy)
	fmt.Fprintf(&b, "SHA-256  %s\nMD5      %s\nSHA-1    %s\n", m.SHA256, m.MD5, m.SHA1)
	fmt.Fprintf(&b, "Type     %s (%s), %d bytes", m.Type, m.Kind, m.Size)
	if m.Width > 0 {
		fmt.Fprintf(&b, ", %d×%d", m.Width, m.Height)
	}
	fmt.Fprintf(&b, "\nCategory %s %s — %s\n", m.Category, m.CategoryLabel, m.CategorySource)
	fmt.Fprintf(&b, "Original %s", m.OriginalSource)
	if m.OriginalFrom != "" {
		fmt.Fprintf(&b, " (%s)", m.OriginalFrom)
	}
	if m.OriginalNote != "" {
		fmt.Fprintf(&b, " — %s", m.OriginalNote)
	}
	fmt.Fprintf(&b, "\n\nFound in %d place(s)\n", m.Occurrences)
	for _, p := range m.Places {
		how := "live"
		switch {
		case p.Carved:
			how = fmt.Sprintf("carved at %d", p.Offset)
		case p.Deleted:
			how = "deleted"
		}
		fmt.Fprintf(&b, "  %s %s  %s  %s\n", p.Evidence, p.Volume, how, store.ShownPath(p.DevicePath, p.Path))
	}
	return b.String()
}
