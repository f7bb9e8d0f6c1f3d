package store

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	st, err := Open(dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

func media(n int, kind string) *Media {
	sha := fmt.Sprintf("%064x", n)
	return &Media{SHA256: sha, MD5: fmt.Sprintf("%032x", n), SHA1: fmt.Sprintf("%040x", n), Size: int64(100 + n), Type: "jpeg", Kind: kind}
}

func occ(ev, path string, m *Media) Occurrence {
	o := Occurrence{Evidence: ev, Path: path, Size: 1}
	if m != nil {
		o.SHA256 = m.SHA256
		o.Size = m.Size
	}
	return o
}

func TestOpenMissingAndLocked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing")
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrNoCase) {
		t.Fatalf("want ErrNoCase, got %v", err)
	}
	st, dir := openTemp(t)
	defer st.Close()
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked from a second open, got %v", err)
	}
}

// TestLockedAcrossProcesses opens the case from a second process: the lock
// that matters is the one between two scrim runs.
func TestLockedAcrossProcesses(t *testing.T) {
	st, dir := openTemp(t)
	defer st.Close()
	// flock(1) from util-linux takes the lock Badger takes on the directory.
	out, err := exec.Command("flock", "--nonblock", dir, "true").CombinedOutput()
	if err == nil {
		t.Fatalf("another process could lock the open case: %s", out)
	}
}

func TestBatchDedupeAndStats(t *testing.T) {
	st, dir := openTemp(t)
	a, b, c := media(1, "picture"), media(2, "video"), media(3, "other")
	c.Error = "decode jpeg: truncated"
	st.PutEvidence(Evidence{ID: "EX1", Path: "/ev/1", Status: "complete"})
	st.PutEvidence(Evidence{ID: "EX2", Path: "/ev/2", Status: "complete"})
	batch := st.NewBatch()
	recs := []FileRecord{
		{Occurrence: occ("EX1", "/a.jpg", a), Media: a, Thumb: []byte("thumb")},
		{Occurrence: occ("EX1", "/copy/a.jpg", a)}, // duplicate content, media known
		{Occurrence: occ("EX1", "/b.mp4", b), Media: b},
		{Occurrence: occ("EX2", "/a-again.jpg", a), Media: a},
		{Occurrence: occ("EX2", "/c.jpg", c), Media: c},
		{Occurrence: Occurrence{Evidence: "EX2", Path: "/unreadable", Error: "permission denied"}},
	}
	for _, r := range recs {
		if _, err := batch.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Flush(); err != nil {
		t.Fatal(err)
	}
	s, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{Occurrences: 6, Unique: 3, Pictures: 1, Videos: 1, Other: 1, Errors: 2,
		Bytes: a.Size*3 + b.Size + c.Size, UniqueBytes: a.Size + b.Size + c.Size, Live: 6}
	if s.Counts != want {
		t.Fatalf("case counts\n got %+v\nwant %+v", s.Counts, want)
	}
	if len(s.Evidence) != 2 || s.Evidence[0].Unique != 2 || s.Evidence[0].Occurrences != 3 || s.Evidence[1].Unique != 2 || s.Evidence[1].Errors != 2 {
		t.Fatalf("per evidence: %+v", s.Evidence)
	}
	if sha, ok, _ := st.SHA256ByMD5(a.MD5); !ok || sha != a.SHA256 {
		t.Fatal("md5 index")
	}
	if sha, ok, _ := st.SHA256BySHA1(b.SHA1); !ok || sha != b.SHA256 {
		t.Fatal("sha1 index")
	}
	occs, err := st.OccurrencesOf(a.SHA256)
	if err != nil || len(occs) != 3 {
		t.Fatalf("occurrences of a: %v %v", occs, err)
	}
	// Reopen: everything committed is there.
	st.Close()
	st, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if th, _ := st.Thumbnail(a.SHA256); string(th) != "thumb" {
		t.Fatalf("thumbnail %q", th)
	}
	s2, _ := st.Stats()
	if s2.Counts != want {
		t.Fatalf("after reopen %+v", s2.Counts)
	}
}

// TestChangedContentMovesIndex: a place re-read with other content must not
// stay listed under its old SHA-256.
func TestChangedContentMovesIndex(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	a, b := media(1, "picture"), media(2, "picture")
	batch := st.NewBatch()
	batch.Add(FileRecord{Occurrence: occ("E", "/x", a), Media: a})
	batch.Flush()
	batch.Add(FileRecord{Occurrence: occ("E", "/x", b), Media: b, PreviousSHA256: a.SHA256})
	batch.Flush()
	if o, _ := st.OccurrencesOf(a.SHA256); len(o) != 0 {
		t.Fatalf("old content still lists the place: %v", o)
	}
	if o, _ := st.OccurrencesOf(b.SHA256); len(o) != 1 {
		t.Fatalf("new content: %v", o)
	}
	s, _ := st.Stats()
	if s.Unique != 1 || s.Occurrences != 1 {
		t.Fatalf("stats %+v", s.Counts)
	}
}

func TestManyFilesSplitIntoTransactions(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	batch := st.NewBatch()
	thumb := []byte(strings.Repeat("t", 20000))
	const n = 3000 // about 60 MB of thumbnails: many transactions
	for i := 0; i < n; i++ {
		m := media(i, "picture")
		if _, err := batch.Add(FileRecord{Occurrence: occ("E", fmt.Sprintf("/%05d.jpg", i), m), Media: m, Thumb: thumb}); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Flush(); err != nil {
		t.Fatal(err)
	}
	var paths []string
	st.EachOccurrence("E", func(o Occurrence) error { paths = append(paths, o.Path); return nil })
	if len(paths) != n || paths[0] != "/00000.jpg" || paths[n-1] != fmt.Sprintf("/%05d.jpg", n-1) {
		t.Fatalf("got %d paths, first %v", len(paths), paths[:1])
	}
}

func TestFormatVersionGuard(t *testing.T) {
	st, dir := openTemp(t)
	st.SetMeta("format", "999")
	st.Close()
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "format 999") {
		t.Fatalf("want a format error, got %v", err)
	}
}
