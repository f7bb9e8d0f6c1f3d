package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSignalsRoundTrip: signals are kept per content, replaced by a later
// record, listed in SHA-256 order, and survive reopening the case.
func TestSignalsRoundTrip(t *testing.T) {
	st, dir := openTemp(t)
	a, b := strings.Repeat("a", 64), strings.Repeat("b", 64)
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	g := Signals{SHA256: b, At: at, Source: "decoded",
		Faces:  []FaceSignal{{X: 1, Y: 2, W: 3, H: 4, Score: 0.9, Age: 33, AgeSpread: 4, Gender: "female", GenderScore: 0.8}, {Age: 11.5}},
		Nudity: &NuditySignal{Porn: 0.1, Sexy: 0.2, Hentai: 0.3, Neutral: 0.35, Drawing: 0.05},
		Models: []SignalModel{{Name: "blazeface", Package: "@vladmandic/human@3.3.6", SHA256: strings.Repeat("c", 64)}}}
	if err := st.PutSignals(g, Signals{SHA256: a, At: at, Error: "no thumbnail stored"}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSignals(Signals{}); err == nil {
		t.Fatal("signals without a SHA-256 were written")
	}
	st.Close()
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, ok, err := st.SignalsOf(b)
	if err != nil || !ok || len(got.Faces) != 2 || got.Faces[0].Gender != "female" || got.Nudity.Hentai != 0.3 || !got.At.Equal(at) {
		t.Fatalf("read back %+v %v %v", got, ok, err)
	}
	if lo, _ := got.MinFaceAge(); lo != 11.5 {
		t.Errorf("min age %v", lo)
	}
	if hi, _ := got.MaxFaceAge(); hi != 33 {
		t.Errorf("max age %v", hi)
	}
	if got.ModelNames() != "blazeface @vladmandic/human@3.3.6 cccccccccccc" {
		t.Errorf("model names %q", got.ModelNames())
	}
	if _, ok, _ := st.SignalsOf(strings.Repeat("d", 64)); ok {
		t.Error("signals of an unknown content")
	}
	var order []string
	st.EachSignals(func(g Signals) error { order = append(order, g.SHA256[:1]); return nil })
	if strings.Join(order, "") != "ab" {
		t.Errorf("order %v", order)
	}
	if err := st.PutSignals(Signals{SHA256: b, At: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := st.SignalsOf(b); len(got.Faces) != 0 || got.Nudity != nil {
		t.Errorf("a later record did not replace the earlier: %+v", got)
	}
	if _, ok := (Signals{}).MinFaceAge(); ok {
		t.Error("min age of no face")
	}
}

// TestVideoSignalsFormat: a video's per-frame record round-trips, and a
// record written before per-frame signals (a contact-sheet one, as its
// JSON was then) still reads, with no frames.
func TestVideoSignalsFormat(t *testing.T) {
	var old Signals
	const sheetRecord = `{"sha256":"` + "e" + `","faces":[{"x":1,"y":2,"w":3,"h":4,"score":0.9,"age":20,"age_spread":3}],` +
		`"nudity":{"drawing":0,"hentai":0,"neutral":1,"porn":0,"sexy":0},"frames":16,"source":"sheet","at":"2026-11-01T10:00:00Z"}`
	if err := json.Unmarshal([]byte(sheetRecord), &old); err != nil || old.Frames != 16 || old.Source != "sheet" || len(old.FrameSignals) != 0 || len(old.FacesAt(0)) != 1 {
		t.Fatalf("old sheet record: %+v %v", old, err)
	}
	st, _ := openTemp(t)
	defer st.Close()
	sha := strings.Repeat("f", 64)
	g := Signals{SHA256: sha, Source: "frames", Frames: 2, At: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		Faces: []FaceSignal{{X: 5, W: 10, H: 10, Age: 30, At: 1.2}, {X: 50, W: 10, H: 10, Age: 16, At: 1.2}},
		FrameSignals: []FrameSignal{{At: 0, Nudity: &NuditySignal{Neutral: 1}}, {At: 1.2, Faces: 2, Nudity: &NuditySignal{Porn: 0.5, Neutral: 0.5}},
			{At: 2.4, Error: "signals: picture 1x1 is too small"}},
		Nudity: &NuditySignal{Porn: 0.5, Neutral: 1}}
	if err := st.PutSignals(g); err != nil {
		t.Fatal(err)
	}
	got, _, err := st.SignalsOf(sha)
	if err != nil || len(got.FrameSignals) != 3 || got.FrameSignals[1].Faces != 2 || got.FrameSignals[2].Error == "" ||
		len(got.FacesAt(1.2)) != 2 || len(got.FacesAt(0)) != 0 {
		t.Fatalf("read back %+v %v", got, err)
	}
	if lo, _ := got.MinFaceAge(); lo != 16 {
		t.Errorf("youngest face over the frames %v", lo)
	}
}
