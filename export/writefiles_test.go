package export

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"scrim/store"
)

// TestWriteFileRowsMatchesRowWriter: the parallel writer of `scrim files`
// writes byte for byte what NewRowWriter fed by EachFileRow writes, in both
// formats, with signals, across many small batches; a failing writer or
// stop ends it with that error.
func TestWriteFileRowsMatchesRowWriter(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := st.NewBatch()
	for i := range 500 {
		m := &store.Media{SHA256: fmt.Sprintf("%064x", i*7919), MD5: fmt.Sprintf("%032x", i), SHA1: fmt.Sprintf("%040x", i),
			Size: int64(i), Type: "png", Kind: "picture", MIME: "image/png", Width: i, Height: 2 * i}
		if i%5 == 1 {
			m.Kind, m.Duration, m.Codec = "video", 1.5+float64(i), "h264"
		}
		for j := range 3 {
			o := store.Occurrence{Evidence: fmt.Sprintf("EX%d", j), Path: fmt.Sprintf("/%d/ a,\"%d\"<&>.png", j, i), Size: m.Size, SHA256: m.SHA256}
			if _, err := b.Add(store.FileRecord{Occurrence: o, Media: m}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSignals(store.Signals{SHA256: fmt.Sprintf("%064x", 7919), Models: []store.SignalModel{{Name: "m"}},
		Nudity: &store.NuditySignal{Porn: 0.5}}); err != nil {
		t.Fatal(err)
	}
	none := func() error { return nil }
	for _, format := range []string{"jsonl", "csv"} {
		for _, ev := range []string{"", "EX1"} {
			var want bytes.Buffer
			rw, _ := NewRowWriter(&want, format)
			var rows int64
			if err := EachFileRow(st, ev, func(r FileRow) error { rows++; return rw.Write(r) }); err != nil {
				t.Fatal(err)
			}
			rw.Close()
			for _, batch := range []int{1, 7, 1024} {
				var got bytes.Buffer
				n, err := writeFileRows(st, ev, format, &got, none, batch)
				if err != nil {
					t.Fatal(err)
				}
				if n != rows {
					t.Fatalf("%s %q batch %d: %d rows counted, %d written", format, ev, batch, n, rows)
				}
				if got.String() != want.String() {
					t.Fatalf("%s %q batch %d: differs\n%s", format, ev, batch, firstLineDiff(got.String(), want.String()))
				}
			}
		}
	}
	if _, err := WriteFileRows(st, "", "xml", &bytes.Buffer{}, none); !strings.Contains(fmt.Sprint(err), "xml") {
		t.Fatal("xml accepted")
	}
	stopped := errors.New("stopped")
	calls := 0
	var got bytes.Buffer
	_, err = writeFileRows(st, "", "jsonl", &got, func() error {
		if calls++; calls == 4 {
			return stopped
		}
		return nil
	}, 7)
	if err != stopped || strings.Count(got.String(), "\n") != 21 {
		t.Fatalf("stop: %v, %d rows", err, strings.Count(got.String(), "\n"))
	}
	if _, err := writeFileRows(st, "", "csv", failWriter{}, none, 7); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("failing writer: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
