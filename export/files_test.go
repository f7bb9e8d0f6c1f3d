package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"scrim/store"
)

func TestFileRowsJoinMediaAndCategory(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := &store.Media{SHA256: strings.Repeat("a", 64), MD5: strings.Repeat("b", 32), SHA1: strings.Repeat("c", 40),
		Size: 10, Type: "jpeg", Kind: "picture", MIME: "image/jpeg", Width: 4, Height: 3, PHash: "00ff00ff00ff00ff", DHash: "0123456789abcdef"}
	b := st.NewBatch()
	b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Path: "/b, \"quoted\".jpg", Size: 10, SHA256: m.SHA256}, Media: m})
	b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Path: "/a.jpg", Size: 10, SHA256: m.SHA256, DevicePath: "/sdcard/DCIM/a.jpg"}})
	b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Path: "/bad", Error: "read: I/O error"}})
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	st.PutCategory(m.SHA256, store.Category{Category: "5", Source: "examiner:alice"})

	var jl, cs bytes.Buffer
	jw, _ := NewRowWriter(&jl, "jsonl")
	cw, _ := NewRowWriter(&cs, "csv")
	err = EachFileRow(st, "", func(r FileRow) error {
		if err := jw.Write(r); err != nil {
			return err
		}
		return cw.Write(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	jw.Close()
	cw.Close()

	lines := strings.Split(strings.TrimSpace(jl.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("jsonl lines: %q", jl.String())
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	for _, k := range []string{"evidence", "volume", "fs", "path", "deleted", "carved", "offset", "size", "md5", "sha1", "sha256", "type", "width", "height", "phash", "dhash", "category", "category_source"} {
		if _, ok := first[k]; !ok {
			t.Errorf("jsonl lacks %s", k)
		}
	}
	if first["path"] != "/a.jpg" || first["category"] != "5" || first["category_source"] != "examiner:alice" || first["md5"] != m.MD5 ||
		first["device_path"] != "/sdcard/DCIM/a.jpg" {
		t.Errorf("first row %v", first)
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || len(recs[0]) != len(FileColumns) || recs[2][3] != "/b, \"quoted\".jpg" || recs[3][slices.Index(FileColumns, "error")] != "read: I/O error" {
		t.Fatalf("csv %q", recs)
	}
	// device_path is appended after the fields of earlier issues (the
	// signals fields follow it: filesignals_test.go).
	if last := slices.Index(FileColumns, "device_path"); last != len(FileColumns)-10 || FileColumns[last-1] != "container_path" || recs[1][last] != "/sdcard/DCIM/a.jpg" || recs[2][last] != "" {
		t.Errorf("device_path column: %q %q %q", FileColumns[last-1:], recs[1], recs[2])
	}
	if _, err := NewRowWriter(&cs, "xml"); err == nil {
		t.Fatal("xml accepted")
	}
}

// TestFileRowsTableAndChunksAgree: the two ways EachFileRow joins media
// (a table of every media for large listings, lookups per chunk otherwise)
// give the same rows, with videos, errors, categories and odd digests.
func TestFileRowsTableAndChunksAgree(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := st.NewBatch()
	for i := range 300 {
		m := &store.Media{SHA256: fmt.Sprintf("%064x", i*7919), MD5: fmt.Sprintf("%032x", i), SHA1: fmt.Sprintf("%040x", i),
			Size: int64(i), Type: "png", Kind: "picture", MIME: "image/png", Width: i, Height: 2 * i, PHash: fmt.Sprintf("%016x", i)}
		switch i % 5 {
		case 1:
			m.Kind, m.Type, m.Duration, m.Codec, m.Frames, m.PHash = "video", "mp4", 1.5, "h264", []store.Frame{{At: 1}}, ""
		case 2:
			m.Error, m.PHash = "decode: truncated", ""
		case 3:
			m.DHash = "odd digest"
		}
		for j := range 3 {
			o := store.Occurrence{Evidence: fmt.Sprintf("EX%d", j), Path: fmt.Sprintf("/%d/%d.png", j, i), Size: m.Size, SHA256: m.SHA256}
			if _, err := b.Add(store.FileRecord{Occurrence: o, Media: m}); err != nil {
				t.Fatal(err)
			}
		}
		if i%4 == 0 {
			b.Flush()
			st.PutCategory(m.SHA256, store.Category{Category: "2", Source: fmt.Sprintf("suggested:%064x (d=%d)", i, i%9)})
		}
	}
	b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "EX1", Path: "/unreadable", Error: "permission denied"}})
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	tab, err := loadMediaTable(st)
	if err != nil {
		t.Fatal(err)
	}
	for i, sha := range tab.shas {
		if j, ok := tab.find(fmt.Sprintf("%x", sha)); !ok || j != i {
			t.Fatalf("media %x found at %d (%v), want %d", sha, j, ok, i)
		}
	}
	for _, missing := range []string{fmt.Sprintf("%064x", 1), fmt.Sprintf("%064x", 7919*300), "not hex", ""} {
		if _, ok := tab.find(missing); ok {
			t.Fatalf("%q found", missing)
		}
	}
	// Read in chunks of 7 records, the table is the same.
	if small, err := loadMediaTableBy(st, 7); err != nil || !reflect.DeepEqual(small, tab) {
		t.Fatalf("the media table read 7 records at a time differs (%v)", err)
	}
	fromStore := func(occs []store.Occurrence, fn func(*FileRow) error) error { return joinFromStore(st, occs, fn) }
	list := func(join mediaJoin, ev string) string {
		var out bytes.Buffer
		w, _ := NewRowWriter(&out, "jsonl")
		if err := eachFileRowJoined(st, ev, join, w.Write); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for _, ev := range []string{"", "EX1"} {
		table, chunks := list(tab.join, ev), list(fromStore, ev)
		if table != chunks {
			t.Fatalf("evidence %q: the table join differs from the chunked join\n%s", ev, firstLineDiff(table, chunks))
		}
		if n := strings.Count(table, "\n"); ev == "" && n != 901 || ev == "EX1" && n != 301 {
			t.Fatalf("evidence %q: %d rows", ev, n)
		}
	}
}

func firstLineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "table  " + al[i] + "\nchunks " + bl[i]
		}
	}
	return "lengths differ"
}
