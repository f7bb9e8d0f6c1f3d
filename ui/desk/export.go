package desk

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"scrim/export/court"
	"scrim/export/job"
)

// Export writes one export of the open case, as scrim export does, into the
// folder beside the case (CASEDIR-exports), and returns its path.
func (w *Workstation) Export(format, passphrase string) (string, error) {
	if w.st == nil || w.session == nil {
		return "", fmt.Errorf("open a case first")
	}
	dir := strings.TrimRight(w.st.Dir(), string(filepath.Separator)) + "-exports"
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	ext := map[string]string{"pdf": ".pdf", "html": ".html", "csv": ".csv", "vics": ".json", "court": court.Ext}[format]
	out := filepath.Join(dir, w.caseName()+"-"+format+"-"+w.opt.Clock.Now().UTC().Format("20060102T150405Z")+ext)
	_, err := job.Run(w.ctx, w.st, job.Request{Format: format, Out: out, By: w.session.Name, Tool: "scrim " + w.opt.Version,
		Passphrase: passphrase, Now: w.opt.Clock.Now()})
	if err != nil {
		return "", err
	}
	return out, nil
}

// exportButtons are the case screen's exports; the court package asks for
// its passphrase twice.
func (w *Workstation) exportButtons(msg *widget.Label) fyne.CanvasObject {
	run := func(format, pass string) {
		out, err := w.Export(format, pass)
		if err != nil {
			msg.SetText(err.Error())
			return
		}
		msg.SetText("written: " + out)
	}
	box := container.NewHBox(widget.NewLabel("Export:"))
	for _, f := range []struct{ label, format string }{{"Report PDF", "pdf"}, {"Report HTML", "html"}, {"CSV", "csv"}, {"VICS JSON", "vics"}} {
		box.Add(widget.NewButton(f.label, func() { run(f.format, "") }))
	}
	box.Add(widget.NewButton("Court package…", func() {
		pass, again := widget.NewPasswordEntry(), widget.NewPasswordEntry()
		dialog.ShowForm("Court package", "Export", "Cancel", []*widget.FormItem{
			widget.NewFormItem("Passphrase", pass), widget.NewFormItem("Again", again),
		}, func(ok bool) {
			if !ok {
				return
			}
			if pass.Text != again.Text {
				msg.SetText("the two passphrases differ")
				return
			}
			run("court", pass.Text)
		}, w.win)
	}))
	return box
}
