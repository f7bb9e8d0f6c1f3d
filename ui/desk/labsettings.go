package desk

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"scrim/profile"
)

// labSettings is the supervisor's workstation setting for the lab: the
// PostgreSQL URL this workstation shares people, policy and exposure
// through (used from the next start; --lab and SCRIM_LAB override it), and
// how the lab is doing now.
func (w *Workstation) labSettings(msg *widget.Label) fyne.CanvasObject {
	h := w.opt.Home
	state := widget.NewLabel(labStateText(h))
	state.Wrapping = fyne.TextWrapWord
	saved, err := h.LabURL()
	if err != nil {
		msg.SetText(err.Error())
	}
	entry := widget.NewEntry()
	entry.SetPlaceHolder("postgres://ws01@lab.example/scrim?sslmode=verify-full&sslrootcert=/etc/scrim/lab-ca.pem")
	if saved != "" {
		entry.SetText(saved)
	}
	save := widget.NewButton("Save lab URL", func() {
		if err := h.SetLabURL(w.session, entry.Text); err != nil {
			msg.SetText("lab URL not saved: " + err.Error())
			return
		}
		if entry.Text == "" {
			msg.SetText("lab removed: from the next start this workstation keeps everything to itself")
			return
		}
		msg.SetText("lab URL saved: " + profile.RedactURL(entry.Text) + " — used from the next start of Scrim")
	})
	return container.NewVBox(
		widget.NewLabelWithStyle("Lab (shared server)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		state,
		widget.NewForm(widget.NewFormItem("Lab URL", entry)),
		save,
	)
}

// labStateText says in one sentence whether this workstation uses a lab
// and whether everything reached it.
func labStateText(h *profile.Home) string {
	st, err := h.LabState()
	switch {
	case err != nil:
		return "Lab: " + err.Error()
	case !st.Joined:
		return "No lab: profiles, policy and exposure are kept on this workstation only."
	case st.Up:
		return fmt.Sprintf("Lab answering; every examiner of the lab is shown above. %d record(s) waiting to be sent.", st.Pending)
	default:
		return fmt.Sprintf("Lab not answering since %s (%s). %d record(s) kept here and sent when it is back; reveals pause after the policy's grace period.",
			st.DownSince.Local().Format("15:04:05"), st.LastError, st.Pending)
	}
}
