package desk

import (
	"cmp"
	"fmt"
	"image/color"
	"path"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"scrim/store"
	"scrim/ui/review"
)

// File facts under a tile: what examiners read under thumbnails to decide
// without revealing. Names can be distressing too, so they show only when
// the policy allows them and the examiner switched them on.
const (
	factLines      = 3
	factLineHeight = 14
	factNameRunes  = 26 // a name longer than this is cut, "…" marking the cut
)

var factColor = color.NRGBA{R: 0xb0, G: 0xb4, B: 0xba, A: 0xff}

// tileFacts is what is known about a media from where it was found.
type tileFacts struct {
	name     string   // base name of the first place it was found
	found    string   // "deleted", "carved", "embedded" or "" (a live file)
	places   int      // how many places hold it
	hashSets []string // hash sets that list it
	source   string   // who or what set its category
	err      error
}

func (f tileFacts) lines() [factLines]string {
	if f.err != nil {
		return [factLines]string{"facts unreadable", "", ""}
	}
	where := f.found
	if where == "" {
		where = "live file"
	}
	if f.places > 1 {
		where += fmt.Sprintf(" · %d places", f.places)
	}
	third := f.source
	if len(f.hashSets) > 0 {
		third = "set " + strings.Join(f.hashSets, ", ")
		if f.source != "" && !strings.HasPrefix(f.source, "hash set") {
			third = f.source + " · " + third
		}
	}
	return [factLines]string{truncateName(f.name), where, third}
}

func truncateName(name string) string {
	r := []rune(name)
	if len(r) <= factNameRunes {
		return name
	}
	return string(r[:factNameRunes-1]) + "…"
}

// categorySource says who or what set a category, in words for a tile:
// "by erin", "hash set NAME", "suggested". The one place that reads the
// category's source.
func categorySource(c store.Category) string {
	p := c.Provenance()
	switch p.Kind {
	case store.FromExaminer:
		return "by " + p.Name
	case store.FromHashSet:
		return "hash set " + p.Name
	case store.FromSuggestion:
		return "suggested"
	case store.FromLab:
		if p.LabNear() {
			return "suggested by lab " + p.Name
		}
		return "lab " + p.Name
	}
	return p.String()
}

// factsOf reads a media's facts from the case, once per media: the places
// it was found and its category history do not change while it is shown,
// except by decisions, which forget them (forgetFacts).
func (w *Workstation) factsOf(it review.Item) tileFacts {
	if f, ok := w.facts[it.SHA]; ok {
		return f
	}
	var f tileFacts
	if w.court != nil || w.st == nil {
		f.err = fmt.Errorf("no case open")
		return f
	}
	f.err = func() error {
		sha := it.Hex()
		occs, err := w.st.OccurrencesOf(sha)
		if err != nil {
			return err
		}
		f.places = len(occs)
		if len(occs) > 0 {
			o := occs[0]
			// A phone extraction's stored name may be a hash (an
			// iTunes backup): the device's name says more.
			f.name = path.Base(strings.ReplaceAll(cmp.Or(o.DevicePath, o.Path), `\`, "/"))
			switch {
			case o.Embedded:
				f.found = "embedded" // inside another file (archive, stream, hidden)
			case o.Carved:
				f.found = "carved"
			case o.Deleted:
				f.found = "deleted"
			case o.FS == "ntfs" && strings.Contains(f.name, ":"):
				f.found = "embedded" // in an NTFS alternate data stream
			}
		}
		hist, err := w.st.Assignments(sha)
		if err != nil {
			return err
		}
		for _, a := range hist {
			if a.Kind == "hashset" && !slices.Contains(f.hashSets, a.Source) {
				f.hashSets = append(f.hashSets, a.Source)
			}
			if a.Kind == store.AssignLab && !slices.Contains(f.hashSets, "lab:"+a.Source) {
				f.hashSets = append(f.hashSets, "lab:"+a.Source)
			}
		}
		c, _, err := w.st.Category(sha)
		if err != nil {
			return err
		}
		f.source = categorySource(c)
		return nil
	}()
	if len(w.facts) > 4096 { // a bounded memo: the visible tiles are what matters
		clear(w.facts)
	}
	w.facts[it.SHA] = f
	return f
}

// forgetFacts drops the memo of media whose category changed (nil: all).
func (w *Workstation) forgetFacts(shas []string) {
	if shas == nil {
		clear(w.facts)
		return
	}
	for _, sha := range shas {
		if p := w.desk.Model.PositionOf(sha); p >= 0 {
			delete(w.facts, w.desk.Model.At(p).SHA)
		}
	}
}

// showFacts: the policy allows file facts and the examiner wants them.
func (w *Workstation) showFacts() bool {
	return w.court == nil && w.policy.TileFactsAllowed && w.prefs.TileFacts
}

// tileSize is a grid cell, taller when it carries the file facts.
func (w *Workstation) tileSize() fyne.Size {
	if w.showFacts() {
		return fyne.NewSize(TileSize.Width, TileSize.Height+factLines*factLineHeight)
	}
	return TileSize
}

// factsToggle is the examiner's switch for file facts, nil when the policy
// does not allow them.
func (w *Workstation) factsToggle() fyne.CanvasObject {
	if w.court != nil || w.session == nil || !w.policy.TileFactsAllowed {
		return nil
	}
	c := widget.NewCheck("File facts", nil)
	c.SetChecked(w.prefs.TileFacts)
	c.OnChanged = func(on bool) {
		if err := w.SetTileFacts(on); err != nil {
			w.say("%v", err)
		}
	}
	return c
}

// SetTileFacts shows or hides file facts under the tiles and remembers the
// choice for the signed-in examiner.
func (w *Workstation) SetTileFacts(on bool) error {
	if on && !w.policy.TileFactsAllowed {
		return fmt.Errorf("file facts on tiles are switched off on this workstation")
	}
	p := w.prefs
	p.TileFacts = on
	if err := w.opt.Home.SetPreferences(w.session, p); err != nil {
		return err
	}
	w.prefs = p
	if w.screen == "review" {
		w.showReview() // other tile size: a new grid, at the same place
	}
	return nil
}
