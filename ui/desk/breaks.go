package desk

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// breakCheckEvery is how often continuous review is compared with the policy.
const breakCheckEvery = 30 * time.Second

func (w *Workstation) scheduleBreakCheck() {
	if w.breakTimer != nil {
		w.breakTimer.Stop()
	}
	s := w.session
	w.breakTimer = w.opt.Clock.AfterFunc(breakCheckEvery, func() {
		fyne.Do(func() {
			if w.session != s {
				return
			}
			w.CheckBreak()
			w.scheduleBreakCheck()
		})
	})
}

// CheckBreak replaces the grid with the break screen when the policy's
// continuous-review limit is reached.
func (w *Workstation) CheckBreak() {
	if w.session == nil || w.onBreak || w.panicked || w.screen != "review" && w.screen != "full" {
		return
	}
	// Grid time is written when it ends: close the running record so the
	// policy sees it, then open a new one if review goes on.
	w.endGridExposure()
	st, err := w.opt.Home.BreakStatus(w.session)
	if err != nil {
		w.say("break check: %v", err)
		w.beginGridExposure()
		return
	}
	if !st.Due {
		if w.screen == "review" {
			w.beginGridExposure()
		}
		return
	}
	w.startBreak()
}

func (w *Workstation) startBreak() {
	w.endReveal("break")
	if err := w.opt.Home.StartBreak(w.session); err != nil {
		w.say("break: %v", err)
		return
	}
	w.onBreak = true
	w.audit("break", map[string]string{"length": w.policy.BreakLength.String()})
	end := w.opt.Clock.Now().Add(w.policy.BreakLength)
	count := canvas.NewText("", textColor)
	count.TextSize = 48
	count.Alignment = fyne.TextAlignCenter
	var tick func()
	tick = func() {
		left := end.Sub(w.opt.Clock.Now()).Round(time.Second)
		if left <= 0 {
			w.endBreak()
			return
		}
		count.Text = fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)
		count.Refresh()
		w.opt.Clock.AfterFunc(time.Second, func() {
			fyne.Do(func() {
				if w.onBreak {
					tick()
				}
			})
		})
	}
	msg := widget.NewLabelWithStyle("Time for a break. Step away from the screen; the review comes back by itself.",
		fyne.TextAlignCenter, fyne.TextStyle{})
	w.show("break", container.NewStack(canvas.NewRectangle(neutral),
		container.NewCenter(container.NewVBox(msg, count, widget.NewButton("Sign out", w.SignOut)))))
	tick()
}

func (w *Workstation) endBreak() {
	if !w.onBreak {
		return
	}
	w.onBreak = false
	if _, err := w.opt.Home.EndBreak(w.session); err != nil {
		w.say("break: %v", err)
	}
	if w.desk != nil {
		w.showReview()
	} else {
		w.showCaseScreen()
	}
}
