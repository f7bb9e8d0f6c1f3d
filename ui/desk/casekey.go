package desk

// Encrypted cases on the workstation: the key screen that asks for a case's
// passphrase (or key file) before it opens, and the "encrypt this case"
// choice when a new case is created.

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"scrim/store"
	"scrim/store/casekey"
)

// askCaseKey shows the key screen when dir holds an encrypted case and
// tells whether it did; the case opens once the right key is given.
func (w *Workstation) askCaseKey(dir string, evidencePaths []string) (bool, error) {
	mode, err := store.KeyMode(dir)
	if err != nil {
		return false, err
	}
	if mode == "" {
		return false, nil
	}
	w.closeCase()
	w.showCaseKey(dir, mode, evidencePaths)
	return true, nil
}

// showCaseKey asks for the passphrase (or key file) of an encrypted case;
// a wrong one is said and the examiner tries again.
func (w *Workstation) showCaseKey(dir, mode string, evidencePaths []string) {
	secret := widget.NewPasswordEntry()
	secret.SetPlaceHolder("Passphrase of the case")
	prompt := "Case " + dir + " is encrypted. Enter its passphrase."
	var browse fyne.CanvasObject = container.NewHBox()
	if mode == casekey.ModeKeyFile {
		secret = widget.NewEntry()
		secret.SetPlaceHolder("Key file of the case")
		prompt = "Case " + dir + " is encrypted with a key file. Choose it."
		browse = widget.NewButton("Browse…", func() {
			dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
				if err == nil && r != nil {
					secret.SetText(r.URI().Path())
					r.Close()
				}
			}, w.win)
		})
	}
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	submit := func() {
		key := casekey.Secret{Passphrase: secret.Text}
		if mode == casekey.ModeKeyFile {
			key = casekey.Secret{KeyFile: strings.TrimSpace(secret.Text)}
		}
		if err := w.UnlockCase(dir, key, evidencePaths); err != nil {
			msg.SetText(err.Error())
			if mode != casekey.ModeKeyFile {
				secret.SetText("")
			}
			w.win.Canvas().Focus(secret)
		}
	}
	secret.OnSubmitted = func(string) { submit() }
	label := widget.NewLabel(prompt)
	label.Wrapping = fyne.TextWrapWord
	form := container.NewVBox(
		widget.NewLabelWithStyle("Encrypted case", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		label,
		container.NewBorder(nil, nil, nil, browse, secret),
		container.NewHBox(widget.NewButton("Open", submit), widget.NewButton("Cancel", w.showCaseScreen)),
		msg)
	w.show("case-key", container.NewCenter(container.NewGridWrap(fyne.NewSize(560, 260), form)))
	w.win.Canvas().Focus(secret)
}

// UnlockCase opens an encrypted case with its passphrase or key file.
func (w *Workstation) UnlockCase(dir string, key casekey.Secret, evidencePaths []string) error {
	if !key.Given() {
		return fmt.Errorf("enter the passphrase of the case")
	}
	return w.openCase(dir, store.Options{Key: key}, evidencePaths)
}

// CreateEncryptedCase creates a new case encrypted at rest with a
// passphrase typed twice, and opens it.
func (w *Workstation) CreateEncryptedCase(dir, passphrase, again string) error {
	if passphrase != again {
		return errors.New("the two passphrases differ")
	}
	if passphrase == "" {
		return errors.New("enter a passphrase for the new case, twice")
	}
	return w.openCase(dir, store.Options{Create: true, Encrypt: true, Key: casekey.Secret{Passphrase: passphrase}}, nil)
}

// encryptChoice is the case screen's "encrypt this case" box.
type encryptChoice struct {
	check       *widget.Check
	pass, again *widget.Entry
	box         *fyne.Container
}

func newEncryptChoice() *encryptChoice {
	c := &encryptChoice{pass: widget.NewPasswordEntry(), again: widget.NewPasswordEntry()}
	c.pass.SetPlaceHolder(fmt.Sprintf("Passphrase (at least %d characters)", casekey.MinPassphrase))
	c.again.SetPlaceHolder("The same passphrase again")
	fields := container.NewVBox(c.pass, c.again,
		widget.NewLabelWithStyle("Without this passphrase the case cannot be opened again: keep it safe.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true}))
	fields.Hide()
	c.check = widget.NewCheck("Encrypt this case (a new case only)", func(on bool) {
		if on {
			fields.Show()
		} else {
			fields.Hide()
		}
	})
	c.box = container.NewVBox(c.check, fields)
	return c
}

// openChosen opens dir: a new encrypted case when the box is ticked, else as
// OpenCase does (asking for the key of an encrypted case).
func (w *Workstation) openChosen(dir string, c *encryptChoice) error {
	if c.check.Checked {
		return w.CreateEncryptedCase(dir, c.pass.Text, c.again.Text)
	}
	return w.OpenCase(dir, nil)
}
