package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"scrim/ingest/evidence"
	"scrim/store"
)

// TestBatchReadRecordsSameAsOpens ingests one tree with the io_uring batch
// reads and with them turned off (evidence.NoRingEnv): every place and
// every media record is the same, in the same order, odd files included.
func TestBatchReadRecordsSameAsOpens(t *testing.T) {
	root, _ := demoTree(t)
	odd := map[string][]byte{
		"odd/empty":             nil,
		"odd/name with space":   []byte("space"),
		"odd/new\nline":         []byte("newline"),
		"odd/not-utf8-\xff.txt": []byte("bytes"),
		"odd/whole-max":         make([]byte, wholeMax),
		"odd/over-whole-max":    make([]byte, wholeMax+1),
	}
	for name, b := range odd {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "odd", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("empty", filepath.Join(root, "odd", "link")); err != nil {
		t.Fatal(err)
	}
	dump := func(noRing string) []string {
		t.Setenv(evidence.NoRingEnv, noRing)
		st := openCase(t)
		ingestAll(t, st, root, Options{Workers: 2})
		var out []string
		err := st.EachOccurrence("", func(o store.Occurrence) error {
			m, _, err := st.Media(o.SHA256)
			if err != nil {
				return err
			}
			b, err := json.Marshal(struct {
				O store.Occurrence
				M store.Media
			}{o, m})
			out = append(out, string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	plain, ring := dump("1"), dump("")
	if len(plain) < 20 {
		t.Fatalf("only %d places recorded", len(plain))
	}
	if !slices.Equal(plain, ring) {
		for i := range min(len(plain), len(ring)) {
			if plain[i] != ring[i] {
				t.Fatalf("place %d differs:\nopened one by one: %s\nbatch-read:        %s", i, plain[i], ring[i])
			}
		}
		t.Fatalf("%d places opened one by one, %d batch-read", len(plain), len(ring))
	}
}
