package desk

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"scrim/signals"
	"scrim/store"
	"scrim/ui/review"
)

// Signals on the workstation: filters and orders that put the likely
// relevant first, a bulk set that gathers the obviously benign for one
// decision, and the models' findings in details. A signal never sets a
// category: every decision is still the examiner's, audited as any other.

// signalChoice is a grid filter on signals.
type signalChoice struct {
	name string
	f    review.Filter
}

// Names of the signal filters in the grid's picker.
const (
	filterUnder18  = "Signals: faces estimated under 18"
	filterExplicit = "Signals: explicit score ≥ 0.8"
	filterNeutral  = "Signals: no faces, neutral"
)

// signalChoices are offered when the case has signals.
func (w *Workstation) signalChoices() []signalChoice {
	if w.desk == nil || !w.desk.Model.HasSignals() {
		return nil
	}
	return []signalChoice{
		{filterUnder18, review.Filter{Kind: review.FacesUnder18}},
		{filterExplicit, review.Filter{Kind: review.ExplicitAtLeast, Arg: "0.8"}},
		{filterNeutral, review.Filter{Kind: review.NoFacesNeutral}},
	}
}

// Names of the sort orders.
var orderNames = []struct {
	name string
	o    review.Order
}{
	{"Order: as found", review.OrderDefault},
	{"Order: youngest face first", review.OrderYoungest},
	{"Order: most explicit first", review.OrderExplicit},
	{"Order: most faces first", review.OrderMostFaces},
}

// signalControls are the order picker and the bulk-set button, shown above
// the grid when the case has signals (nil otherwise, and in court packages).
func (w *Workstation) signalControls() []fyne.CanvasObject {
	if w.desk == nil || !w.desk.Model.HasSignals() || w.court != nil {
		return nil
	}
	m := w.desk.Model
	var names []string
	cur := orderNames[0].name
	for _, o := range orderNames {
		names = append(names, o.name)
		if o.o == m.CurrentOrder() {
			cur = o.name
		}
	}
	order := widget.NewSelect(names, nil)
	order.SetSelected(cur)
	order.OnChanged = func(s string) {
		for _, o := range orderNames {
			if o.name == s {
				w.SetOrder(o.o)
			}
		}
		w.win.Canvas().Focus(w.keys)
	}
	bulk := widget.NewButton("Select all shown", func() { w.SelectAllShown(); w.win.Canvas().Focus(w.keys) })
	return []fyne.CanvasObject{order, bulk}
}

// SetOrder sorts the grid by a signal, keeping the place like a filter does.
func (w *Workstation) SetOrder(o review.Order) {
	w.endReveal("order")
	w.changeView(func() { w.desk.Model.SetOrder(o) })
}

// SelectAllShown selects every item the filter shows: the bulk-review set
// (e.g. "no faces, neutral"), which one category key then decides, recorded
// and audited per media like any decision.
func (w *Workstation) SelectAllShown() {
	m := w.desk.Model
	if m.Len() == 0 {
		w.say("nothing to select under this filter")
		return
	}
	w.sel = map[int]bool{}
	for _, p := range m.BulkSet() {
		w.sel[p] = true
	}
	if w.grid != nil {
		w.grid.Refresh()
	}
	w.say("%d items selected: a category key now sets all of them (one decision each, audited); U undoes it", len(w.sel))
}

// signalsText is the details' part on signals.
func signalsText(b *strings.Builder, g *store.Signals) {
	b.WriteString("\nSignals  ")
	if g == nil {
		b.WriteString("none (the models did not run on this media)\n")
		return
	}
	if g.Error != "" {
		fmt.Fprintf(b, "the models could not run: %s\n", g.Error)
		return
	}
	fmt.Fprintf(b, "%d face(s)", len(g.Faces))
	if g.Frames > 0 {
		fmt.Fprintf(b, " over %d video frames", g.Frames)
	}
	b.WriteString(" — a machine's estimate, never a category\n")
	switch g.Source {
	case "frames":
		b.WriteString("  seen: every sampled frame (fitted within 256 px)\n")
	case "sheet":
		b.WriteString("  seen: the contact sheet's 128-px tiles only\n")
	}
	if g.Note != "" {
		fmt.Fprintf(b, "  note: %s\n", g.Note)
	}
	if len(g.FrameSignals) > 0 {
		// A video: its frames one by one, each with its faces.
		if n := g.Nudity; n != nil {
			fmt.Fprintf(b, "  highest over the frames: porn %.2f · sexy %.2f · hentai %.2f · neutral %.2f · drawing %.2f\n",
				n.Porn, n.Sexy, n.Hentai, n.Neutral, n.Drawing)
		}
		for _, fs := range g.FrameSignals {
			fmt.Fprintf(b, "  frame at %.2f s: ", fs.At)
			switch {
			case fs.Error != "":
				fmt.Fprintf(b, "the models could not run: %s\n", fs.Error)
				continue
			case fs.Nudity != nil:
				n := fs.Nudity
				fmt.Fprintf(b, "%d face(s), porn %.2f · sexy %.2f · hentai %.2f · neutral %.2f · drawing %.2f\n",
					fs.Faces, n.Porn, n.Sexy, n.Hentai, n.Neutral, n.Drawing)
			default:
				fmt.Fprintf(b, "%d face(s)\n", fs.Faces)
			}
			for _, f := range g.FacesAt(fs.At) {
				b.WriteString("    ")
				faceText(b, f)
			}
		}
	} else {
		for i, f := range g.Faces {
			fmt.Fprintf(b, "  face %d: ", i+1)
			faceText(b, f)
		}
		if n := g.Nudity; n != nil {
			fmt.Fprintf(b, "  nudity: porn %.2f · sexy %.2f · hentai %.2f · neutral %.2f · drawing %.2f\n",
				n.Porn, n.Sexy, n.Hentai, n.Neutral, n.Drawing)
		}
	}
	if s := g.ModelNames(); s != "" {
		fmt.Fprintf(b, "  models: %s\n", s)
	}
}

// faceText is one face's line: estimated age, gender, box and score.
func faceText(b *strings.Builder, f store.FaceSignal) {
	fmt.Fprintf(b, "age %.0f ± %.0f", f.Age, f.AgeSpread)
	if f.Gender != "" {
		fmt.Fprintf(b, ", %s (%.2f)", f.Gender, f.GenderScore)
	}
	fmt.Fprintf(b, ", box %.0f,%.0f %.0f×%.0f, score %.2f\n", f.X, f.Y, f.W, f.H, f.Score)
}

// caseSignals is the analyzer for an ingest into the open case: the
// workstation's models unless the case's setting turns signals off.
func (w *Workstation) caseSignals() signals.Analyzer {
	if w.opt.Signals == nil || w.st == nil {
		return nil
	}
	if v, err := w.st.Meta(store.MetaSignals); err == nil && v == "off" {
		return nil
	}
	return w.opt.Signals
}
