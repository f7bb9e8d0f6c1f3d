package desk

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"scrim/categorize"
	"scrim/export/court"
	"scrim/store"
	"scrim/ui/preview"
)

const passphrase = "correct horse battery"

// courtPackage categorizes a few demo media as 1 and exports them as a
// court package, as scrim export --format court does.
func courtPackage(t *testing.T) (string, int) {
	dir := t.TempDir()
	if err := copyDir(filepath.Join(demoCase(t), "case"), filepath.Join(dir, "case")); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "case"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scheme, _ := categorize.CaseScheme(st)
	var shas []string
	st.EachMedia(func(m store.Media) error {
		if m.Kind == "picture" && m.PHash != "" && len(shas) < 4 {
			shas = append(shas, m.SHA256)
		}
		return nil
	})
	if err := categorize.NewEngine(st, scheme).Record(context.Background(), "erin", "1", shas); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "case.scrimcourt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A cheap KDF: the default's cost is export/court's to test, not the desk's.
	cheap := court.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}
	if _, err := court.Write(f, st, court.WriteOptions{Passphrase: passphrase, CreatedBy: "erin", CaseName: "demo", KDF: cheap}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, len(shas)
}

func TestCourtPackageViewedReadOnlyWithItsOwnExposureRecord(t *testing.T) {
	path, n := courtPackage(t)
	clock := NewManualClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	a := test.NewTempApp(t)
	win := test.NewWindow(nil)
	win.Resize(fyne.NewSize(1280, 800))
	ws := New(context.Background(), a, win, Options{CourtFile: path, Clock: clock})
	ws.testDriver = true
	defer func() { ws.Close(); win.Close() }()
	ws.Start()
	if ws.Screen() != "court-open" {
		t.Fatalf("screen %q, want court-open", ws.Screen())
	}
	if err := ws.OpenCourt(path, "Judge R.", "wrong passphrase!"); err == nil {
		t.Fatal("opened with a wrong passphrase")
	}
	if err := ws.OpenCourt(path, "Judge R.", passphrase); err != nil {
		t.Fatal(err)
	}
	if ws.Screen() != "review" || ws.desk.Model.Len() != n {
		t.Fatalf("screen %q with %d media, want review with %d", ws.Screen(), ws.desk.Model.Len(), n)
	}
	ws.keys.TypedRune('5')
	if it := ws.desk.Model.At(0); it.Category != "1" {
		t.Fatalf("a digit changed a court package's category: %+v", it)
	}
	ws.keys.KeyDown(&fyne.KeyEvent{Name: fyne.KeySpace})
	if ws.levelAt(0) != preview.Revealed {
		t.Fatal("Space did not reveal")
	}
	clock.Advance(6 * time.Second)
	if ws.levelAt(0) != preview.Blurred {
		t.Fatal("reveal outlived 5 s")
	}
	ws.keys.TypedRune('c')
	if ws.reveal != nil {
		t.Fatal("colour reveal in a court package")
	}
	ws.Panic()
	if err := ws.UnlockCourt("nope nope nope"); err == nil {
		t.Fatal("wrong passphrase left the panic screen")
	}
	if err := ws.UnlockCourt(passphrase); err != nil || ws.Screen() != "review" {
		t.Fatalf("unlock: %v, screen %q", err, ws.Screen())
	}
	ws.Close()

	b, err := court.Open(path, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	recs, err := b.Exposures()
	if err != nil {
		t.Fatal(err)
	}
	var reveal *court.ExposureRecord
	for i := range recs {
		if recs[i].Mode == "reveal" {
			reveal = &recs[i]
		}
	}
	if reveal == nil || reveal.DurationMS != 5000 || reveal.Viewer != "Judge R." {
		t.Fatalf("exposure record %+v, want a 5000 ms reveal by Judge R.", recs)
	}
	if err := b.Verify(); err != nil {
		t.Fatalf("the package no longer verifies after viewing: %v", err)
	}
}
