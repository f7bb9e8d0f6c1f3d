package report

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"scrim/store"
)

// TestSignalsNamedNeverCounted: the method section names the models and
// says what they are not trained for, and signals change no count of the
// category tables (a picture the models call explicit with a young face
// stays where the examiners and hash sets put it).
func TestSignalsNamedNeverCounted(t *testing.T) {
	st := smallCase(t)
	opt := Options{Tool: "scrim test", Now: time.Unix(1e9, 0)}
	before, err := Build(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(blocksText(before), "No face, age or nudity model was run") {
		t.Error("a case without signals does not say so")
	}
	models := []store.SignalModel{{Name: "blazeface", Package: "@vladmandic/human@3.3.6", SHA256: strings.Repeat("1", 64)},
		{Name: "nsfwjs", Package: "nsfwjs@4.4.0", SHA256: strings.Repeat("2", 64)}}
	var sigs []store.Signals
	for i := range 7 {
		sigs = append(sigs, store.Signals{SHA256: synthMedia(i, "picture").SHA256, Models: models, At: time.Unix(1e9, 0),
			Faces: []store.FaceSignal{{W: 10, H: 10, Age: 9, AgeSpread: 3}}, Nudity: &store.NuditySignal{Porn: 0.99}})
	}
	sigs = append(sigs, store.Signals{SHA256: synthMedia(7, "picture").SHA256, Models: models, Error: "no thumbnail stored"})
	if err := st.PutSignals(sigs...); err != nil {
		t.Fatal(err)
	}
	after, err := Build(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before.Case, after.Case) || !reflect.DeepEqual(before.PerExhibit, after.PerExhibit) ||
		!reflect.DeepEqual(before.Review, after.Review) || !reflect.DeepEqual(before.Appendix, after.Appendix) {
		t.Fatal("signals changed the category counts")
	}
	if after.Signals.Media != 7 || after.Signals.WithFaces != 7 || after.Signals.Errors != 1 || len(after.Signals.Models) != 2 {
		t.Errorf("signals summary %+v", after.Signals)
	}
	text := blocksText(after)
	for _, want := range []string{"blazeface", "@vladmandic/human@3.3.6", "nsfwjs@4.4.0", strings.Repeat("2", 64),
		"not trained on child sexual abuse material", "children's ages", "never set a category"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	var html, pdf bytes.Buffer
	if err := WriteHTML(&html, after); err != nil || !strings.Contains(html.String(), "nsfwjs@4.4.0") {
		t.Errorf("html: %v", err)
	}
	if err := WritePDF(&pdf, after); err != nil || pdf.Len() == 0 {
		t.Errorf("pdf: %v", err)
	}
}

func blocksText(r *Report) string {
	var b strings.Builder
	for _, x := range r.Blocks() {
		b.WriteString(x.Text + "\n")
		for _, kv := range x.KV {
			b.WriteString(kv.Key + " " + kv.Value + "\n")
		}
		if x.Table != nil {
			for _, row := range x.Table.Rows {
				b.WriteString(strings.Join(row, " ") + "\n")
			}
		}
	}
	return b.String()
}
