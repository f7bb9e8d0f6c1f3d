package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
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
	// device_path is appended last, after the fields of earlier issues.
	if last := len(FileColumns) - 1; FileColumns[last] != "device_path" || FileColumns[last-1] != "container_path" || recs[1][last] != "/sdcard/DCIM/a.jpg" || recs[2][last] != "" {
		t.Errorf("device_path column: %q %q %q", FileColumns[last-1:], recs[1], recs[2])
	}
	if _, err := NewRowWriter(&cs, "xml"); err == nil {
		t.Fatal("xml accepted")
	}
}
