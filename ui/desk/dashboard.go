package desk

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"scrim/profile"
)

func (w *Workstation) dashboardButton() fyne.CanvasObject {
	if w.session == nil || w.session.Role != profile.RoleSupervisor {
		return widget.NewLabel("")
	}
	return widget.NewButton("Exposure dashboard", w.ShowDashboard)
}

// ShowDashboard is the supervisor's view: per examiner, revealed time per
// day against the limit, items and categories reviewed, breaks; the policy
// form; CSV and PDF exports.
func (w *Workstation) ShowDashboard() {
	if w.session == nil || w.session.Role != profile.RoleSupervisor {
		return
	}
	w.endReveal("dashboard")
	now := w.opt.Clock.Now()
	sums, err := w.opt.Home.Summary(profile.Filter{Since: now.AddDate(0, 0, -28)})
	msg := widget.NewLabel("")
	if err != nil {
		msg.SetText(err.Error())
	}
	pol, _ := w.opt.Home.Policy()
	people := container.NewVBox()
	today := now.Local().Format("2006-01-02")
	for _, s := range sums {
		people.Add(w.examinerCard(s, pol, today))
	}
	export := func(kind string) {
		dir := w.opt.Home.Dir()
		name := filepath.Join(dir, "exposure-"+now.Format("20060102-150405")+"."+kind)
		f, err := os.Create(name)
		if err == nil {
			if kind == "csv" {
				err = profile.WriteCSV(f, sums)
			} else {
				err = profile.WritePDF(f, sums, pol)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			msg.SetText("export: " + err.Error())
			return
		}
		w.audit("export", map[string]string{"format": "exposure-" + kind, "out": name})
		msg.SetText("written: " + name)
	}
	back := widget.NewButton("Back", func() {
		if w.desk != nil {
			w.showReview()
		} else {
			w.showCaseScreen()
		}
	})
	top := header("Exposure — last 28 days", widget.NewButton("Export CSV", func() { export("csv") }),
		widget.NewButton("Export PDF", func() { export("pdf") }), back)
	body := container.NewVBox(msg, people, w.policyForm(pol, msg), w.labSettings(msg))
	w.show("dashboard", container.NewBorder(top, nil, nil, nil, container.NewVScroll(container.NewPadded(body))))
}

func (w *Workstation) examinerCard(s profile.ExaminerSummary, pol profile.Policy, today string) fyne.CanvasObject {
	title := s.Examiner
	if s.Role != "" {
		title += " (" + s.Role + ")"
	}
	if s.OverLimit {
		title += " — OVER THE DAILY LIMIT"
	}
	t := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	if s.OverLimit {
		t.Importance = widget.DangerImportance
	}
	var b strings.Builder
	var revealed, grid float64
	var items int
	cats := map[string]int{}
	var todays profile.DayFigures
	for _, d := range s.Days {
		revealed += d.RevealedSeconds
		grid += d.GridSeconds
		items += d.ItemsReviewed
		for k, v := range d.Categories {
			cats[k] += v
		}
		if d.Date == today {
			todays = d
		}
	}
	b.WriteString(todayInWords(todays, pol.RevealPerDay))
	fmt.Fprintf(&b, "\nlast 28 days: revealed %s · blurred grid %s · %d items reviewed · breaks %d taken, %d ended early, %d skipped",
		spoken(seconds(revealed)), spoken(seconds(grid)), items, s.BreaksTaken, s.BreaksEndedEarly, s.BreaksSkipped)
	if len(cats) > 0 {
		var parts []string
		for _, c := range w.schemeOrder(cats) {
			parts = append(parts, fmt.Sprintf("%s: %d", c, cats[c]))
		}
		b.WriteString("\ncategories set: " + strings.Join(parts, ", "))
	}
	for _, wk := range s.Weeks {
		fmt.Fprintf(&b, "\n%s: revealed %s, %d items", wk.Week, spoken(seconds(wk.RevealedSeconds)), wk.ItemsReviewed)
	}
	return container.NewVBox(t, newDayChart(s, pol.RevealPerDay), widget.NewLabel(b.String()), widget.NewSeparator())
}

// todayInWords: revealed time against the daily limit, as a sentence.
func todayInWords(d profile.DayFigures, limit time.Duration) string {
	got := seconds(d.RevealedSeconds)
	switch {
	case limit <= 0:
		return fmt.Sprintf("today: %s revealed (no daily limit)", spoken(got))
	case got > limit:
		return fmt.Sprintf("today: %s revealed of %s allowed — %s over", spoken(got), spoken(limit), spoken(got-limit))
	}
	return fmt.Sprintf("today: %s revealed of %s allowed (%s left)", spoken(got), spoken(limit), spoken(limit-got))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func (w *Workstation) schemeOrder(cats map[string]int) []string {
	var out []string
	for _, c := range w.scheme.Categories {
		if _, ok := cats[c.Code]; ok {
			out = append(out, c.Code)
		}
	}
	for k := range cats {
		found := false
		for _, o := range out {
			found = found || o == k
		}
		if !found {
			out = append(out, k)
		}
	}
	return out
}

// policyForm lets the supervisor change the limits, PIN re-entered.
func (w *Workstation) policyForm(p profile.Policy, msg *widget.Label) fyne.CanvasObject {
	maxReveal := widget.NewEntry()
	maxReveal.SetText(p.MaxReveal.String())
	perHour := widget.NewEntry()
	perHour.SetText(p.RevealPerHour.String())
	perDay := widget.NewEntry()
	perDay.SetText(p.RevealPerDay.String())
	breakAfter := widget.NewEntry()
	breakAfter.SetText(p.BreakAfter.String())
	breakLen := widget.NewEntry()
	breakLen.SetText(p.BreakLength.String())
	colour := widget.NewCheck("Colour reveal allowed", nil)
	colour.SetChecked(p.ColourAllowed)
	facts := widget.NewCheck("File facts on tiles allowed (name, where found, hash set)", nil)
	facts.SetChecked(p.TileFactsAllowed)
	labGrace := widget.NewEntry()
	labGrace.SetText(p.LabGrace.String())
	pin := widget.NewPasswordEntry()
	pin.SetPlaceHolder("your PIN to confirm")
	save := func() {
		q := p
		var err error
		parse := func(e *widget.Entry, dst *time.Duration) {
			if err == nil {
				*dst, err = time.ParseDuration(strings.TrimSpace(e.Text))
			}
		}
		parse(maxReveal, &q.MaxReveal)
		parse(perHour, &q.RevealPerHour)
		parse(perDay, &q.RevealPerDay)
		parse(breakAfter, &q.BreakAfter)
		parse(breakLen, &q.BreakLength)
		parse(labGrace, &q.LabGrace)
		q.ColourAllowed = colour.Checked
		q.TileFactsAllowed = facts.Checked
		if err == nil {
			err = w.opt.Home.SetPolicy(w.session, pin.Text, q)
		}
		pin.SetText("")
		if err != nil {
			msg.SetText("policy not changed: " + err.Error())
			return
		}
		w.policy = q
		w.audit("policy", map[string]string{"max_reveal": q.MaxReveal.String(), "reveal_per_day": q.RevealPerDay.String()})
		msg.SetText("policy saved")
	}
	form := widget.NewForm(
		widget.NewFormItem("Longest reveal", maxReveal),
		widget.NewFormItem("Revealed per hour", perHour),
		widget.NewFormItem("Revealed per day", perDay),
		widget.NewFormItem("Break after", breakAfter),
		widget.NewFormItem("Break length", breakLen),
		widget.NewFormItem("", colour),
		widget.NewFormItem("", facts),
		widget.NewFormItem("Reveal without the lab for", labGrace),
		widget.NewFormItem("PIN", pin),
	)
	return container.NewVBox(widget.NewLabelWithStyle("Policy", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, widget.NewButton("Save policy", save))
}
