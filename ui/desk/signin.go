package desk

import (
	"errors"
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"scrim/export/court"
	"scrim/profile"
)

func (w *Workstation) showSignIn() {
	profiles, err := w.opt.Home.Profiles()
	msg := widget.NewLabel("")
	if err != nil {
		msg.SetText(err.Error())
	}
	if len(profiles) == 0 {
		w.showFirstProfile()
		return
	}
	var names []string
	for _, p := range profiles {
		names = append(names, p.Name)
	}
	who := widget.NewSelect(names, nil)
	who.PlaceHolder = "Choose your profile"
	if len(names) == 1 {
		who.SetSelected(names[0])
	}
	pin := widget.NewPasswordEntry()
	pin.SetPlaceHolder("PIN")
	// Once a profile is chosen the PIN is typed straight away; Enter submits.
	who.OnChanged = func(string) { w.win.Canvas().Focus(pin) }
	submit := func() {
		if err := w.SignIn(who.Selected, pin.Text); err != nil {
			msg.SetText(pinRefusal(err))
			pin.SetText("")
			w.win.Canvas().Focus(pin)
		}
	}
	pin.OnSubmitted = func(string) { submit() }
	form := container.NewVBox(
		widget.NewLabelWithStyle("Scrim", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle("Offline picture categorization. Everything you do is recorded under your name.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true}),
		who, pin, widget.NewButton("Sign in", submit), msg)
	if w.opt.SignInHint != "" {
		form.Add(widget.NewLabelWithStyle(w.opt.SignInHint, fyne.TextAlignCenter, fyne.TextStyle{Italic: true}))
	}
	w.show("sign-in", container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 300), form)))
	w.win.Canvas().Focus(pin)
}

// showFirstProfile creates the workstation's first profile, a supervisor
// (who then adds examiners).
func (w *Workstation) showFirstProfile() {
	name := widget.NewEntry()
	name.SetPlaceHolder("Supervisor name")
	pin := widget.NewPasswordEntry()
	pin.SetPlaceHolder("PIN (4 or more digits)")
	again := widget.NewPasswordEntry()
	again.SetPlaceHolder("PIN again")
	msg := widget.NewLabel("")
	create := func() {
		if pin.Text != again.Text {
			msg.SetText("The two PINs differ.")
			return
		}
		if err := w.opt.Home.AddProfile(nil, name.Text, profile.RoleSupervisor, pin.Text); err != nil {
			msg.SetText(err.Error())
			return
		}
		w.showSignIn()
	}
	form := container.NewVBox(
		widget.NewLabelWithStyle("First start: create the supervisor profile", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		name, pin, again, widget.NewButton("Create", create), msg)
	w.show("sign-in", container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 260), form)))
}

// SignIn checks a PIN and starts the session: the case given on the command
// line opens, or the case screen shows.
func (w *Workstation) SignIn(name, pin string) error {
	if name == "" {
		return fmt.Errorf("choose your profile first")
	}
	s, err := w.opt.Home.SignIn(name, pin)
	if err != nil {
		return err
	}
	w.session = s
	if w.policy, err = w.opt.Home.Policy(); err != nil {
		return err
	}
	if w.prefs, err = w.opt.Home.Preferences(s); err != nil {
		return err
	}
	w.scheduleBreakCheck()
	if w.st != nil {
		w.audit("sign-in", map[string]string{"role": string(s.Role)})
		w.showReview()
		return nil
	}
	if w.opt.CaseDir != "" {
		dir := w.opt.CaseDir
		w.opt.CaseDir = ""
		return w.OpenCase(dir, w.opt.Evidence)
	}
	w.showCaseScreen()
	return nil
}

// SignOut ends the session and closes the case.
func (w *Workstation) SignOut() {
	w.endReveal("sign-out")
	w.endGridExposure()
	w.audit("sign-out", nil)
	w.closeCase()
	w.session = nil
	if w.breakTimer != nil {
		w.breakTimer.Stop()
	}
	w.showSignIn()
}

// Panic hides everything at once: a neutral screen, nothing else drawn, until
// the same examiner enters the PIN again.
func (w *Workstation) Panic() {
	if w.panicked {
		return
	}
	w.panicked = true
	w.endReveal("panic")
	w.endGridExposure()
	w.audit("panic", nil)
	blank := newBlank(w.showUnlock)
	w.show("panic", blank)
	w.win.Canvas().Focus(blank)
}

// showUnlock asks for the PIN again (a court package: its passphrase);
// typed is what was already typed on the panic screen.
func (w *Workstation) showUnlock(typed string) {
	if w.session == nil && w.court == nil {
		w.panicked = false
		w.showSignIn()
		return
	}
	prompt, unlock := "PIN of "+w.viewerName(), w.Unlock
	if w.court != nil {
		prompt, unlock = "Passphrase of the package", w.UnlockCourt
	}
	secret := widget.NewPasswordEntry()
	secret.SetPlaceHolder(prompt)
	msg := widget.NewLabel("")
	secret.OnSubmitted = func(p string) {
		if err := unlock(p); err != nil {
			msg.SetText(pinRefusal(err))
			secret.SetText("")
		}
	}
	bg := canvas.NewRectangle(neutral)
	w.show("panic", container.NewStack(bg, container.NewCenter(container.NewGridWrap(fyne.NewSize(320, 90), container.NewVBox(secret, msg)))))
	w.win.Canvas().Focus(secret)
	for _, r := range typed {
		secret.TypedRune(r)
	}
}

// pinRefusal says a PIN was refused, in words: a wrong one, or a lockout.
func pinRefusal(err error) string {
	if errors.Is(err, profile.ErrBadPIN) {
		return "Wrong PIN. The field is cleared: type it again."
	}
	return err.Error()
}

// Unlock leaves the panic screen after the PIN of the signed-in examiner.
func (w *Workstation) Unlock(pin string) error {
	if _, err := w.opt.Home.SignIn(w.session.Name, pin); err != nil {
		return err
	}
	w.panicked = false
	w.audit("unlock", nil)
	if w.st != nil {
		w.showReview()
	} else {
		w.showCaseScreen()
	}
	return nil
}

var neutral = color.NRGBA{R: 0x5a, G: 0x5f, B: 0x66, A: 0xff}

// quiet is the panic screen's one line: the neutral colour a little
// lighter, legible close up, nothing to catch an onlooker's eye.
var quiet = color.NRGBA{R: 0x70, G: 0x75, B: 0x7c, A: 0xff}

// panicLine says how to come back from the panic screen.
const panicLine = "Type your PIN to return"

// blank is the panic screen: one flat colour and one quiet line; a key or
// click asks for the PIN (a typed character is its first).
type blank struct {
	widget.BaseWidget
	onWake func(typed string)
}

func newBlank(onWake func(string)) *blank {
	b := &blank{onWake: onWake}
	b.ExtendBaseWidget(b)
	return b
}

func (b *blank) CreateRenderer() fyne.WidgetRenderer {
	line := canvas.NewText(panicLine, quiet)
	line.Alignment = fyne.TextAlignCenter
	return widget.NewSimpleRenderer(container.NewStack(canvas.NewRectangle(neutral), container.NewCenter(line)))
}
func (b *blank) Tapped(*fyne.PointEvent)    { b.onWake("") }
func (b *blank) FocusGained()               {}
func (b *blank) FocusLost()                 {}
func (b *blank) TypedRune(r rune)           { b.onWake(string(r)) }
func (b *blank) TypedKey(ev *fyne.KeyEvent) { b.onWake("") }

// UnlockCourt leaves the panic screen of a court package after its
// passphrase is given again.
func (w *Workstation) UnlockCourt(passphrase string) error {
	b, err := court.Open(w.court.path, passphrase)
	if err != nil {
		return err
	}
	b.Close()
	w.panicked = false
	w.showReview()
	return nil
}
