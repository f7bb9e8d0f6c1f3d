package desk

import (
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// recentCases lists the cases opened at this workstation, latest first, each
// reopened with one click: after signing out and in again, or when a
// supervisor takes over. A case whose directory is gone is listed, not
// offered (opening would create an empty case there).
func (w *Workstation) recentCases(msg *widget.Label) fyne.CanvasObject {
	list, err := w.opt.Home.RecentCases()
	box := container.NewVBox()
	if err != nil {
		box.Add(widget.NewLabel(err.Error()))
		return box
	}
	if len(list) == 0 {
		return box
	}
	box.Add(widget.NewLabelWithStyle("Recent cases", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for _, c := range list {
		dir := c.Dir
		open := widget.NewButton("Open "+filepath.Base(dir), func() {
			if err := w.OpenCase(dir, nil); err != nil {
				msg.SetText(err.Error())
			}
		})
		note := fmt.Sprintf("%s · last opened by %s, %s", dir, c.By, c.Opened.Local().Format("2006-01-02 15:04"))
		if _, err := os.Stat(dir); err != nil {
			open.Disable()
			note += " · not found"
		}
		box.Add(container.NewBorder(nil, nil, open, nil, widget.NewLabel(note)))
	}
	return box
}

// rememberCase puts an opened case first in the recent-cases list.
func (w *Workstation) rememberCase(dir string) {
	if w.session == nil {
		return
	}
	if err := w.opt.Home.CaseOpened(w.session, dir); err != nil {
		w.say("recent cases: %v", err)
	}
}
