package store

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// The range read ahead of a table is its footer, index and the room for
// the last block before it, clipped at the start of the file.
func TestTableOpenRange(t *testing.T) {
	table := func(body, index, sum int) []byte {
		b := make([]byte, body+index)
		b = binary.BigEndian.AppendUint32(b, uint32(index))
		b = append(b, make([]byte, sum)...)
		return binary.BigEndian.AppendUint32(b, uint32(sum))
	}
	for _, c := range []struct {
		name             string
		data             []byte
		wantStart, wantN int64
		wantOK           bool
	}{
		{"large table", table(1<<20, 5000, 10), 1<<20 - lastBlockRoom, lastBlockRoom + 5000 + 18, true},
		{"small table", table(100, 50, 10), 0, 100 + 50 + 18, true},
		{"empty", nil, 0, 0, false},
		{"checksum longer than the file", binary.BigEndian.AppendUint32(make([]byte, 8), 1000), 0, 0, false},
		{"index longer than the file", binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 1<<30), 0), 0, 0, false},
	} {
		start, n, ok := tableOpenRange(bytes.NewReader(c.data), int64(len(c.data)))
		if ok != c.wantOK || (ok && (start != c.wantStart || n != c.wantN)) {
			t.Errorf("%s: got %d+%d %v, want %d+%d %v", c.name, start, n, ok, c.wantStart, c.wantN, c.wantOK)
		}
	}
}

func FuzzTableOpenRange(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 1, 2, 3, 4, 0, 0, 0, 4})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		start, n, ok := tableOpenRange(bytes.NewReader(data), int64(len(data)))
		if ok && (start < 0 || n < 8 || start+n != int64(len(data))) {
			t.Fatalf("range %d+%d outside a %d-byte file", start, n, len(data))
		}
	})
}

// A case opens as before whatever lies in its folder: the hints are read
// ahead of files that are not tables or value logs at all.
func TestOpenWithDamagedHintFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta("probe", "kept"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	readOpenRanges(filepath.Join(dir, "missing"))
	for name, data := range map[string][]byte{"notes.sst.txt": []byte("x"), "dir.sst": nil} {
		if data == nil {
			if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Meta("probe"); err != nil || v != "kept" {
		t.Fatalf("meta probe = %q, %v after reopening", v, err)
	}
}
