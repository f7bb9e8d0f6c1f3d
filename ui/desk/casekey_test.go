package desk

import (
	"errors"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"scrim/store"
	"scrim/store/casekey"
)

// typeAndSubmit types into the focused entry and presses Return.
func (f *fixture) typeAndSubmit(text string) {
	f.t.Helper()
	focused := f.win.Canvas().Focused()
	if focused == nil {
		f.t.Fatalf("nothing focused on screen %q", f.ws.Screen())
	}
	for _, r := range text {
		focused.TypedRune(r)
	}
	focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

func TestEncryptedCaseAsksForItsPassphrase(t *testing.T) {
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(f.dir, "sealed-case")
	const pass = "twelve chars at least"

	// Creating: the passphrase twice, and both must agree.
	if err := f.ws.CreateEncryptedCase(dir, pass, pass+"x"); err == nil || err.Error() != "the two passphrases differ" {
		t.Fatalf("differing passphrases: %v", err)
	}
	if err := f.ws.CreateEncryptedCase(dir, "short", "short"); err == nil || !contains(err.Error(), "at least 12") {
		t.Fatalf("short passphrase: %v", err)
	}
	if err := f.ws.CreateEncryptedCase(dir, pass, pass); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.AddEvidence(filepath.Join(demoCase(t), "evidence")); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.WaitIngest(); err != nil {
		t.Fatal(err)
	}
	f.ws.closeCase()
	if _, err := store.Open(dir, store.Options{}); !errors.Is(err, store.ErrEncrypted) {
		t.Fatalf("the case made on the workstation is not encrypted: %v", err)
	}

	// Opening: the key screen, a wrong passphrase said, then the right one.
	if err := f.ws.OpenCase(dir, nil); err != nil {
		t.Fatal(err)
	}
	if f.ws.Screen() != "case-key" || f.ws.st != nil {
		t.Fatalf("screen %q for an encrypted case, want case-key", f.ws.Screen())
	}
	f.typeAndSubmit("not the passphrase")
	if f.ws.Screen() != "case-key" || f.ws.st != nil {
		t.Fatalf("a wrong passphrase left screen %q", f.ws.Screen())
	}
	if markup := test.RenderToMarkup(f.win.Canvas()); !contains(markup, "wrong passphrase for case") {
		t.Fatalf("the key screen does not say the passphrase is wrong:\n%s", markup)
	}
	f.typeAndSubmit(pass)
	if f.ws.Screen() != "case" || f.ws.st == nil {
		t.Fatalf("screen %q after the right passphrase, want the open case", f.ws.Screen())
	}
	if err := f.ws.reload(); err != nil {
		t.Fatal(err)
	}
	if f.ws.desk.Model.Total() == 0 {
		t.Fatal("the encrypted case shows no pictures")
	}
}

func TestCaseScreenOffersEncryption(t *testing.T) {
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	if markup := test.RenderToMarkup(f.win.Canvas()); !contains(markup, "Encrypt this case") {
		t.Fatal("the case screen does not offer encryption")
	}
	c := newEncryptChoice()
	c.check.SetChecked(true)
	c.pass.SetText("a long enough passphrase")
	c.again.SetText("a long enough passphrase")
	dir := filepath.Join(f.dir, "new-sealed")
	if err := f.ws.openChosen(dir, c); err != nil {
		t.Fatal(err)
	}
	if mode, err := store.KeyMode(dir); err != nil || mode != casekey.ModePassphrase {
		t.Fatalf("key mode %q (%v) of the new case", mode, err)
	}
	// The fixture's plain case cannot be encrypted in place.
	f.ws.closeCase()
	if err := f.ws.openChosen(filepath.Join(f.dir, "case"), c); !errors.Is(err, store.ErrNotEncrypted) {
		t.Fatalf("encrypting a plain case: %v", err)
	}
}
