package desk

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"scrim/signals/models"
	"scrim/store"
	"scrim/testdata/demo"
	"scrim/ui/review"
)

// TestSignalFiltersBulkAndDetails: with signals in the case, the grid
// offers the signal filters and orders, "Select all shown" makes the bulk
// set that one category key decides (audited per media, as ever), and the
// details show faces, ages and nudity scores. Signals set no category.
// (The signals here are stored values: the real models run in
// cmd/scrim's TestSignalsIngestFilesAndPass.)
func TestSignalFiltersBulkAndDetails(t *testing.T) {
	f := newFixture(t)
	st, err := store.Open(filepath.Join(f.dir, "case"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pics []string
	st.EachMedia(func(m store.Media) error {
		if m.Kind == "picture" && m.Error == "" && len(pics) < 4 {
			pics = append(pics, m.SHA256)
		}
		return nil
	})
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	models := []store.SignalModel{{Name: "nsfwjs-mobilenet_v2", Package: "nsfwjs@4.4.0", SHA256: strings.Repeat("ab", 32)}}
	young, neutral1, neutral2, adult := pics[0], pics[1], pics[2], pics[3]
	err = st.PutSignals(
		store.Signals{SHA256: young, At: at, Models: models, Faces: []store.FaceSignal{{X: 10, Y: 12, W: 40, H: 44, Score: 0.97, Age: 12.4, AgeSpread: 3.2}},
			Nudity: &store.NuditySignal{Porn: 0.9, Neutral: 0.1}},
		store.Signals{SHA256: neutral1, At: at, Models: models, Nudity: &store.NuditySignal{Neutral: 0.96, Sexy: 0.04}},
		store.Signals{SHA256: neutral2, At: at, Models: models, Nudity: &store.NuditySignal{Drawing: 0.7, Neutral: 0.3}},
		store.Signals{SHA256: adult, At: at, Models: models, Faces: []store.FaceSignal{{W: 30, H: 30, Age: 41, AgeSpread: 5}}, Nudity: &store.NuditySignal{Sexy: 0.8, Neutral: 0.2}},
	)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	f.signIn("erin")
	m := f.ws.desk.Model
	names, choose := f.ws.filterChoices()
	for _, want := range []string{filterUnder18, filterExplicit, filterNeutral} {
		if !slices.Contains(names, want) {
			t.Fatalf("filter %q not offered: %v", want, names)
		}
	}
	choose(filterUnder18)
	if m.Len() != 1 || m.At(0).Hex() != young {
		t.Fatalf("faces under 18: %d items", m.Len())
	}
	text := f.ws.detailsFor(t, young)
	for _, want := range []string{"1 face(s)", "age 12 ± 3", "box 10,12 40×44", "porn 0.90", "nsfwjs@4.4.0", "never a category"} {
		if !strings.Contains(text, want) {
			t.Errorf("details lack %q:\n%s", want, text)
		}
	}
	f.ws.ShowDetails()
	if f.ws.Screen() != "details" {
		t.Fatalf("details screen %q", f.ws.Screen())
	}
	f.ws.ShowReview()

	choose("All pictures and videos")
	f.ws.SetOrder(review.OrderYoungest)
	if m.At(0).Hex() != young || m.At(1).Hex() != adult {
		t.Errorf("youngest first: %s, %s", m.At(0).Hex(), m.At(1).Hex())
	}
	f.ws.SetOrder(review.OrderExplicit)
	if m.At(0).Hex() != young {
		t.Errorf("most explicit first: %s", m.At(0).Hex())
	}
	f.ws.SetOrder(review.OrderDefault)

	// The bulk set: no faces, neutral → select all → key 5, one decision each.
	choose(filterNeutral)
	if m.Len() != 2 {
		t.Fatalf("no faces, neutral: %d items", m.Len())
	}
	f.ws.SelectAllShown()
	f.win.Canvas().Focused().TypedRune('5')
	for _, sha := range []string{neutral1, neutral2} {
		c, ok, _ := f.ws.st.Category(sha)
		if !ok || c.Category != "5" || c.Source != "examiner:erin" {
			t.Errorf("%s after the bulk decision: %+v", sha, c)
		}
	}
	decided := 0
	f.ws.st.EachAudit(func(a store.AuditEntry) error {
		if a.Action == "categorize" && a.Actor == "erin" {
			decided++
		}
		return nil
	})
	if decided == 0 {
		t.Error("the bulk decision is not audited")
	}
	for _, sha := range []string{young, adult} {
		if c, ok, _ := f.ws.st.Category(sha); ok && !strings.HasPrefix(c.Source, "hashset:") {
			t.Errorf("signals set a category on %s: %+v", sha, c)
		}
	}
}

// detailsFor is the details text of one media.
func (w *Workstation) detailsFor(t *testing.T, sha string) string {
	d, err := review.LoadDetails(w.st, sha)
	if err != nil {
		t.Fatal(err)
	}
	return w.detailsText(d)
}

// TestWorkstationIngestRunsTheModels: evidence added on the case screen
// goes through the real models (the workstation's Options.Signals), and
// the grid then offers the signal filters; a case set to signals off gets
// none.
func TestWorkstationIngestRunsTheModels(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("..", "..", ".cache", "models"))
	if _, err := os.Stat(filepath.Join(dir, "blazeface.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("signals models missing in %s", dir)
		}
		t.Skipf("signals models missing in %s: run make models", dir)
	}
	an, err := models.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ev := t.TempDir()
	pictures := 3
	if testing.Short() {
		pictures = 1 // the race run: the models are ~20× slower
	}
	if _, err := demo.GenerateJPEGs(ev, pictures, 320, 240, 85, 9); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.ws.opt.CaseDir = ""
	f.ws.opt.Signals = an
	if err := f.ws.SignIn("erin", pin); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		off  bool
	}{{"on", false}, {"off", true}} {
		if err := f.ws.OpenCase(filepath.Join(f.dir, c.name), nil); err != nil {
			t.Fatal(err)
		}
		if c.off {
			f.ws.st.SetMeta(store.MetaSignals, "off")
		}
		if err := f.ws.AddEvidence(ev); err != nil {
			t.Fatal(err)
		}
		if err := f.ws.WaitIngest(); err != nil {
			t.Fatal(err)
		}
		if err := f.ws.reload(); err != nil {
			t.Fatal(err)
		}
		n := 0
		f.ws.st.EachSignals(func(g store.Signals) error {
			if g.Error == "" && g.Nudity != nil && len(g.Models) == 3 {
				n++
			}
			return nil
		})
		names, _ := f.ws.filterChoices()
		switch {
		case !c.off && (n != pictures || !slices.Contains(names, filterNeutral) || !f.ws.desk.Model.HasSignals()):
			t.Errorf("signals on: %d records, filters %v", n, names)
		case c.off && (n != 0 || slices.Contains(names, filterNeutral)):
			t.Errorf("signals off: %d records, filters %v", n, names)
		}
	}
}

// TestDetailsDrawFaceBoxes: details show a picture's face boxes on its
// blurred, grayscale preview, where the models found them (checked on the
// rendered pixels), and a video's signals frame by frame.
func TestDetailsDrawFaceBoxes(t *testing.T) {
	f := newFixture(t)
	st, err := store.Open(filepath.Join(f.dir, "case"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pic store.Media
	st.EachMedia(func(m store.Media) error {
		if pic.SHA256 == "" && m.Kind == "picture" && m.Error == "" && m.Width >= 64 && m.Height >= 64 {
			if th, err := st.Thumbnail(m.SHA256); err == nil && len(th) > 0 {
				pic = m
			}
		}
		return nil
	})
	if pic.SHA256 == "" {
		t.Fatal("no picture with a thumbnail in the demo case")
	}
	// A box over the picture's middle half.
	box := store.FaceSignal{X: float64(pic.Width) / 4, Y: float64(pic.Height) / 4, W: float64(pic.Width) / 2, H: float64(pic.Height) / 2,
		Score: 0.9, Age: 30, AgeSpread: 4}
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	err = st.PutSignals(store.Signals{SHA256: pic.SHA256, At: at, Source: "decoded", Faces: []store.FaceSignal{box}, Nudity: &store.NuditySignal{Neutral: 1}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	f.signIn("erin")
	f.ws.Move(f.ws.desk.Model.PositionOf(pic.SHA256), false)
	f.ws.ShowDetails()
	view := f.ws.detailsBoxes
	if f.ws.Screen() != "details" || view == nil {
		t.Fatalf("details screen %q without the face-box preview", f.ws.Screen())
	}
	shot := f.win.Canvas().Capture()
	origin := fyne.CurrentApp().Driver().AbsolutePositionForObject(view)
	img := view.Image.Bounds()
	scale := float64(shot.Bounds().Dx()) / float64(f.win.Canvas().Size().Width)
	// The box's colour is nowhere on a grayscale preview: its pixels are
	// the box, and their extent is the box's place on the picture.
	var found image.Rectangle
	n := 0
	for y := shot.Bounds().Min.Y; y < shot.Bounds().Max.Y; y++ {
		for x := shot.Bounds().Min.X; x < shot.Bounds().Max.X; x++ {
			r, g, b, _ := shot.At(x, y).RGBA()
			if r>>8 > 220 && g>>8 > 150 && g>>8 < 230 && b>>8 < 60 {
				found = found.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	sx := float64(img.Dx()) / float64(pic.Width) * scale
	sy := float64(img.Dy()) / float64(pic.Height) * scale
	want := image.Rect(int(float64(origin.X)*scale+box.X*sx), int(float64(origin.Y)*scale+box.Y*sy),
		int(float64(origin.X)*scale+(box.X+box.W)*sx), int(float64(origin.Y)*scale+(box.Y+box.H)*sy))
	near := func(a, b int) bool { return a-b <= 3 && b-a <= 3 }
	if n < want.Dx() || !near(found.Min.X, want.Min.X) || !near(found.Min.Y, want.Min.Y) || !near(found.Max.X, want.Max.X) || !near(found.Max.Y, want.Max.Y) {
		t.Fatalf("box pixels (%d) span %v, want the face box at %v", n, found, want)
	}
	// Inside the box the preview is still gray and blurred.
	inside := want.Inset(6)
	if c := colourfulness(shot, inside); c > 6 {
		t.Errorf("the preview inside the box has colour (spread %d)", c)
	}
	if d := detail(shot, inside); d > 1.5 {
		t.Errorf("the preview inside the box is not blurred (energy %.2f)", d)
	}

	// A video's frames, each with its faces and scores.
	g := store.Signals{SHA256: pic.SHA256, Source: "frames", Frames: 2,
		Faces: []store.FaceSignal{{X: 5, Y: 6, W: 30, H: 32, Age: 25, AgeSpread: 3, At: 1.5}},
		FrameSignals: []store.FrameSignal{{At: 0, Nudity: &store.NuditySignal{Neutral: 0.9}},
			{At: 1.5, Faces: 1, Nudity: &store.NuditySignal{Porn: 0.2, Neutral: 0.7}}},
		Nudity: &store.NuditySignal{Porn: 0.2, Neutral: 0.9}}
	var b strings.Builder
	signalsText(&b, &g)
	for _, want := range []string{"over 2 video frames", "every sampled frame", "frame at 0.00 s: 0 face(s), porn 0.00",
		"frame at 1.50 s: 1 face(s), porn 0.20", "    age 25 ± 3, box 5,6 30×32", "highest over the frames: porn 0.20"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("video details lack %q:\n%s", want, b.String())
		}
	}
	g = store.Signals{SHA256: pic.SHA256, Source: "sheet", Frames: 3, Note: "evidence not read back (gone): analysed from the contact sheet"}
	b.Reset()
	signalsText(&b, &g)
	if !strings.Contains(b.String(), "contact sheet's 128-px tiles") || !strings.Contains(b.String(), "note: evidence not read back") {
		t.Errorf("sheet fallback not said:\n%s", b.String())
	}
}
