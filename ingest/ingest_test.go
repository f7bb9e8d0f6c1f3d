package ingest

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scrim/ingest/evidence"
	"scrim/store"
	"scrim/testdata/demo"
)

func openCase(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func demoTree(t *testing.T) (string, *demo.Manifest) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "evidence")
	opt := demo.Options{Seed: 3}
	if testing.Short() { // the race pass: the same tree at half the size, a quarter of the pixels
		opt.Size = demo.DefaultSize / 2
	}
	man, err := demo.Generate(root, opt)
	if err != nil {
		t.Fatal(err)
	}
	return root, man
}

func ingestAll(t *testing.T, st *store.Store, root string, opt Options) Summary {
	t.Helper()
	src, err := evidence.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	id, err := EvidenceID(st, root, "")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := New(st, opt).Ingest(context.Background(), src, id)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// consistent checks the invariants a crash must never break: every place
// with content has its media and index entry, every index entry its place.
func consistent(t *testing.T, st *store.Store) {
	t.Helper()
	err := st.EachOccurrence("", func(o store.Occurrence) error {
		if o.SHA256 == "" {
			return nil
		}
		if _, ok, err := st.Media(o.SHA256); err != nil || !ok {
			t.Errorf("%s: no media %s", o.Path, o.SHA256)
		}
		found := false
		occs, _ := st.OccurrencesOf(o.SHA256)
		for _, x := range occs {
			found = found || x.Path == o.Path
		}
		if !found {
			t.Errorf("%s: missing from the index of %s", o.Path, o.SHA256)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWorkersAgree(t *testing.T) {
	root, man := demoTree(t)
	one, many := openCase(t), openCase(t)
	s1 := ingestAll(t, one, root, Options{Workers: 1})
	s4 := ingestAll(t, many, root, Options{Workers: 4})
	if s1.Added != int64(len(man.Files)) || s4.Added != s1.Added || s4.NewMedia != s1.NewMedia || s4.Errors != s1.Errors {
		t.Fatalf("1 worker %+v\n4 workers %+v", s1, s4)
	}
	a, _ := one.Stats()
	b, _ := many.Stats()
	if a.Counts != b.Counts {
		t.Fatalf("stats differ: %+v vs %+v", a.Counts, b.Counts)
	}
	consistent(t, many)
}

// TestCancelThenResume stops an ingest part-way (as Ctrl-C does): the case
// must be consistent, and a second run must finish it without redoing work.
func TestCancelThenResume(t *testing.T) {
	root, man := demoTree(t)
	st := openCase(t)
	src, _ := evidence.Open(root)
	id, _ := EvidenceID(st, root, "")
	ctx, cancel := context.WithCancel(context.Background())
	in := New(st, Options{Workers: 2})
	go func() {
		for in.Progress().FilesDone < int64(len(man.Files)/3) {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	sum, err := in.Ingest(ctx, src, id)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want a cancelled ingest, got %v (%+v)", err, sum)
	}
	consistent(t, st)
	ev, _, _ := st.Evidence(id)
	if ev.Status != StatusInterrupted {
		t.Fatalf("status %q after cancel", ev.Status)
	}
	again := ingestAll(t, st, root, Options{})
	if again.Skipped+again.Added != int64(len(man.Files)) || again.Skipped == 0 {
		t.Fatalf("resume %+v", again)
	}
	ev, _, _ = st.Evidence(id)
	if ev.Status != "complete" {
		t.Fatalf("status %q after resume", ev.Status)
	}
	consistent(t, st)
}

// TestCancelWhileLargeFilesAreHashedIsInterrupted cancels after the walk has
// handed out every entry, while the workers are still hashing large files:
// the run must fail and the evidence must say "interrupted", never
// "complete"; a second run completes it.
func TestCancelWhileLargeFilesAreHashedIsInterrupted(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	const size = 96 << 20
	rng := rand.NewChaCha8([32]byte{7})
	buf := make([]byte, size)
	for _, name := range []string{"a.bin", "b.bin"} {
		rng.Read(buf)
		if err := os.WriteFile(filepath.Join(root, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := openCase(t)
	src, err := evidence.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	id, _ := EvidenceID(st, root, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := New(st, Options{Workers: 2})
	go func() {
		for in.Progress().BytesDone == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	sum, err := in.Ingest(ctx, src, id)
	if !errors.Is(err, context.Canceled) || sum.Complete {
		t.Fatalf("cancelled mid-hash: err %v, complete %v", err, sum.Complete)
	}
	ev, _, _ := st.Evidence(id)
	if ev.Status != StatusInterrupted {
		t.Fatalf("status %q after a cancel mid-hash, want %q", ev.Status, StatusInterrupted)
	}
	if sum.Added == 2 {
		t.Fatalf("both files were recorded although the run was cancelled mid-hash: %+v", sum)
	}
	again := ingestAll(t, st, root, Options{Workers: 2})
	if again.Added+again.Skipped != 2 || !again.Complete {
		t.Fatalf("resume %+v", again)
	}
	if ev, _, _ = st.Evidence(id); ev.Status != StatusComplete {
		t.Fatalf("status %q after resume", ev.Status)
	}
}

// damagedSource stands in for a disk image with an unreadable directory
// entry, which the real disk-image readers report the same way.
type damagedSource struct{ evidence.Source }

func (d damagedSource) Walk(ctx context.Context, fn func(evidence.Entry) error) error {
	if err := fn(evidence.Entry{Path: "/lost/IMG_0001.JPG", Size: 4096, Err: errors.New("MFT record 77: bad fixup")}); err != nil {
		return err
	}
	return d.Source.Walk(ctx, fn)
}

func TestUnreadableEntryIsKept(t *testing.T) {
	root, man := demoTree(t)
	st := openCase(t)
	src, _ := evidence.Open(root)
	sum, err := New(st, Options{}).Ingest(context.Background(), damagedSource{src}, "EX1")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != int64(len(man.Files))+1 {
		t.Fatalf("added %d", sum.Added)
	}
	var lost *store.Occurrence
	st.EachOccurrence("EX1", func(o store.Occurrence) error {
		if o.Path == "/lost/IMG_0001.JPG" {
			lost = &o
		}
		return nil
	})
	if lost == nil || !strings.Contains(lost.Error, "bad fixup") || lost.SHA256 != "" {
		t.Fatalf("damaged entry: %+v", lost)
	}
	s, _ := st.Stats()
	if s.Errors == 0 || s.Occurrences != int64(len(man.Files))+1 {
		t.Fatalf("stats %+v", s.Counts)
	}
}

func TestEvidenceIDs(t *testing.T) {
	st := openCase(t)
	st.PutEvidence(store.Evidence{ID: "DCIM", Path: "/mnt/phone1/DCIM"})
	for _, c := range []struct{ path, req, want string }{
		{"/mnt/phone1/DCIM", "", "DCIM"},   // known path keeps its ID
		{"/mnt/phone2/DCIM", "", "DCIM-2"}, // same base name, other item
		{"/mnt/laptop", "EXH-0042", "EXH-0042"},
	} {
		got, err := EvidenceID(st, c.path, c.req)
		if err != nil || got != c.want {
			t.Errorf("EvidenceID(%s, %q) = %q, %v; want %q", c.path, c.req, got, err, c.want)
		}
	}
	if _, err := EvidenceID(st, "/mnt/other", "DCIM"); err == nil {
		t.Error("a name already used for another path must be refused")
	}
}
