package desk

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"scrim/store"
)

// TestWorkstationRefusesCaseTouchingEvidence: opening a case inside the
// evidence, adding evidence that holds the open case or the profile store,
// are refused before anything is written.
func TestWorkstationRefusesCaseTouchingEvidence(t *testing.T) {
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	ev := filepath.Join(t.TempDir(), "seized")
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	inside := filepath.Join(ev, "case")
	if err := f.ws.OpenCase(inside, []string{ev}); err == nil || !contains(err.Error(), inside) {
		t.Fatalf("case inside the evidence: %v", err)
	}
	if _, err := os.Stat(inside); !os.IsNotExist(err) {
		t.Fatalf("the refused case directory was created: %v", err)
	}
	// The fixture's case and profile store live in one directory: adding
	// that directory as evidence would read both.
	caseDir := filepath.Join(f.dir, "case")
	if err := f.ws.OpenCase(caseDir, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.AddEvidence(f.dir); err == nil || !contains(err.Error(), "is inside the evidence") {
		t.Fatalf("evidence holding the case: %v", err)
	}
	files, err := os.ReadDir(caseDir)
	if err != nil || len(files) == 0 {
		t.Fatalf("case directory: %v", err)
	}
	own := filepath.Join(caseDir, files[0].Name())
	if err := f.ws.AddEvidence(own); err == nil || !contains(err.Error(), "inside the case directory") {
		t.Fatalf("a file of the case as evidence: %v", err)
	}
	if err := f.ws.AddEvidence(filepath.Join(f.dir, "home")); err == nil || !contains(err.Error(), "profile store") {
		t.Fatalf("the profile store as evidence: %v", err)
	}
	if f.ws.ingest != nil {
		t.Fatal("a refused evidence started an ingest")
	}
}

// TestWorkstationVerifiesAcquisitionHashes ticks the case screen's verify
// box and adds a raw disk image made by mkfs.fat: the workstation runs the
// same verification as scrim ingest --verify and records it.
func TestWorkstationVerifiesAcquisitionHashes(t *testing.T) {
	if _, err := exec.LookPath("mkfs.fat"); err != nil {
		t.Skip("mkfs.fat (dosfstools) not installed")
	}
	img := filepath.Join(t.TempDir(), "stick.raw")
	if out, err := exec.Command("mkfs.fat", "-C", img, "2048").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.fat: %v\n%s", err, out)
	}
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.OpenCase(filepath.Join(t.TempDir(), "case"), nil); err != nil {
		t.Fatal(err)
	}
	if markup := test.RenderToMarkup(f.win.Canvas()); !contains(markup, "Verify acquisition hashes") {
		t.Fatal("the case screen has no verify option")
	}
	f.ws.verifyIngest = true
	if err := f.ws.AddEvidence(img); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.WaitIngest(); err != nil {
		t.Fatal(err)
	}
	evs, err := f.ws.st.ListEvidence()
	if err != nil || len(evs) != 1 {
		t.Fatalf("evidence %+v, %v", evs, err)
	}
	v := evs[0].Verification
	if v == nil || v.Status == "" || len(v.Computed["md5"]) != 32 {
		t.Fatalf("no verification recorded: %+v", v)
	}
	// Cross-check the digest with coreutils.
	out, err := exec.Command("md5sum", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Fields(string(out))[0]; v.Computed["md5"] != want {
		t.Fatalf("verification md5 %s, md5sum says %s", v.Computed["md5"], want)
	}
	verified := 0
	f.ws.st.EachAudit(func(a store.AuditEntry) error {
		if a.Action == "verify" && a.Detail["evidence"] == evs[0].ID {
			verified++
		}
		return nil
	})
	if verified != 1 {
		t.Fatalf("%d verify entries in the audit log, want 1", verified)
	}
}

// TestWorkstationMatchesItsHomesHashLibrary: a workstation started with
// --home matches the hash library of that home, not $SCRIM_HOME's.
func TestWorkstationMatchesItsHomesHashLibrary(t *testing.T) {
	t.Setenv("SCRIM_HOME", t.TempDir())
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	if err := f.ws.OpenCase(filepath.Join(t.TempDir(), "case"), nil); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(f.ws.opt.Home.Dir(), "hashlib")
	if got := f.ws.eng.Library(); got != want {
		t.Fatalf("engine matches the library in %s; want the workstation home's %s", got, want)
	}
}
