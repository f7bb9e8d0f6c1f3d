package desk

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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
