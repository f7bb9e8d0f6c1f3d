package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"scrim/store"
)

// TestFileRowsListSignals: the signals fields come after device_path, in
// JSON and CSV, with the stored values; a content without signals lists
// null (JSON) and empty (CSV); a failed run lists as none.
func TestFileRowsListSignals(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := &store.Media{SHA256: strings.Repeat("a", 64), MD5: strings.Repeat("1", 32), SHA1: strings.Repeat("2", 40), Kind: "picture", Type: "jpeg"}
	b := &store.Media{SHA256: strings.Repeat("b", 64), MD5: strings.Repeat("3", 32), SHA1: strings.Repeat("4", 40), Kind: "picture", Type: "png"}
	c := &store.Media{SHA256: strings.Repeat("c", 64), MD5: strings.Repeat("5", 32), SHA1: strings.Repeat("6", 40), Kind: "picture", Type: "png"}
	bt := st.NewBatch()
	for i, m := range []*store.Media{a, b, c} {
		bt.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Path: "/" + string(rune('a'+i)) + ".jpg", SHA256: m.SHA256}, Media: m})
	}
	if err := bt.Flush(); err != nil {
		t.Fatal(err)
	}
	model := []store.SignalModel{{Name: "blazeface", Package: "@vladmandic/human@3.3.6", SHA256: strings.Repeat("f", 64)}}
	err = st.PutSignals(
		store.Signals{SHA256: a.SHA256, At: time.Unix(1, 0), Models: model,
			Faces:  []store.FaceSignal{{X: 1, Y: 2, W: 30, H: 30, Age: 34.5, AgeSpread: 4}, {Age: 12.25, AgeSpread: 3}},
			Nudity: &store.NuditySignal{Porn: 0.8123, Sexy: 0.1, Hentai: 0.0001, Neutral: 0.08, Drawing: 0.0076}},
		store.Signals{SHA256: c.SHA256, At: time.Unix(1, 0), Models: model, Error: "signals: bad pixels"})
	if err != nil {
		t.Fatal(err)
	}
	var jl, cs bytes.Buffer
	jw, _ := NewRowWriter(&jl, "jsonl")
	cw, _ := NewRowWriter(&cs, "csv")
	if err := EachFileRow(st, "", func(r FileRow) error { jw.Write(r); return cw.Write(r) }); err != nil {
		t.Fatal(err)
	}
	jw.Close()
	cw.Close()
	lines := strings.Split(strings.TrimSpace(jl.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines: %q", jl.String())
	}
	var rowA, rowB, rowC map[string]any
	json.Unmarshal([]byte(lines[0]), &rowA)
	json.Unmarshal([]byte(lines[1]), &rowB)
	json.Unmarshal([]byte(lines[2]), &rowC)
	if rowA["faces"] != 2.0 || rowA["min_face_age"] != 12.25 || rowA["max_face_age"] != 34.5 || rowA["nudity_porn"] != 0.8123 ||
		rowA["nudity_hentai"] != 0.0001 || !strings.HasPrefix(rowA["signals_model"].(string), "blazeface @vladmandic/human@3.3.6 ffffff") {
		t.Errorf("signals of a: %v", rowA)
	}
	for _, row := range []map[string]any{rowB, rowC} {
		for _, k := range []string{"faces", "min_face_age", "nudity_porn", "nudity_drawing"} {
			if v, ok := row[k]; !ok || v != nil {
				t.Errorf("%s: %s = %v, want null", row["path"], k, v)
			}
		}
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	at := slices.Index(head, "device_path")
	if !slices.Equal(head[at+1:], []string{"faces", "min_face_age", "max_face_age", "nudity_porn", "nudity_sexy", "nudity_hentai", "nudity_neutral", "nudity_drawing", "signals_model"}) {
		t.Fatalf("csv columns after device_path: %v", head[at+1:])
	}
	if got := recs[1][at+1 : at+9]; !slices.Equal(got, []string{"2", "12.25", "34.5", "0.8123", "0.1", "0.0001", "0.08", "0.0076"}) {
		t.Errorf("csv signals of a: %v", got)
	}
	if got := recs[2][at+1:]; !slices.Equal(got, make([]string, 9)) {
		t.Errorf("csv signals of b: %q", got)
	}
}
