package hashlib

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"scrim/store"
)

func digestOf(i int) []byte { d := md5.Sum([]byte{byte(i), byte(i >> 8), byte(i >> 16)}); return d[:] }

// importSet imports n MD5 digests (every third also twice, as lists repeat)
// with categories "1"/"2" alternating, spilling every few records.
func importSet(t *testing.T, dir, name string, n, memory int) Set {
	t.Helper()
	im, err := Begin(dir, name, memory)
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := im.Category("1")
	c2, _ := im.Category("2")
	for i := 0; i < n; i++ {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		if err := im.Add("md5", digestOf(i), c); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if err := im.Add("md5", digestOf(i), c); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := im.Commit("vic-us", store.HashSet{ID: name, Name: name, Format: "text", ImportedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestImportSpillMergeMatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashlib")
	// 38 bytes per held record: a 1000-byte budget spills every 27 records.
	s := importSet(t, dir, "known", 1000, 1000)
	if len(s.Runs) != 1 || s.Runs[0].Records != 1000 {
		t.Fatalf("runs %+v, want one run of 1000 records (duplicates dropped)", s.Runs)
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	// Queries: every 7th known digest plus digests the set does not hold.
	var qs [][]byte
	want := map[string]string{}
	for i := 0; i < 1000; i += 7 {
		qs = append(qs, digestOf(i))
		want[string(digestOf(i))] = map[bool]string{true: "1", false: "2"}[i%2 == 0]
	}
	for i := 5000; i < 5100; i++ {
		qs = append(qs, digestOf(i))
	}
	slices.SortFunc(qs, bytes.Compare)
	got := map[string]string{}
	err = l.Match("md5", bytes.Join(qs, nil), func(q int, set *Set, cat string) error {
		if set.HashSet.Name != "known" {
			t.Errorf("set %q", set.HashSet.Name)
		}
		got[string(qs[q])] = cat
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d hits, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("category %q, want %q", got[k], v)
		}
	}
}

func TestDuplicateNameAndRemove(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashlib")
	importSet(t, dir, "a", 50, 0)
	if _, err := Begin(dir, "a", 0); err == nil || !strings.Contains(err.Error(), "already holds a set named") {
		t.Fatalf("second import of the same name: %v", err)
	}
	importSet(t, dir, "b", 50, 0)
	l, err := Open(dir) // a reader mapped before the removal keeps reading
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Remove(dir, "a"); err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if sets := l2.Sets(); len(sets) != 1 || sets[0].HashSet.Name != "b" {
		t.Fatalf("sets after removal: %+v", sets)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "run-*"))
	if len(runs) != 1 {
		t.Fatalf("run files after removal: %v", runs)
	}
	if _, err := Remove(dir, "a"); err == nil {
		t.Fatal("removing a set twice succeeded")
	}
}

// An import that never commits (its process killed) leaves the manifest as
// it was; the next import sweeps its leftovers.
func TestAbandonedImportIsSwept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashlib")
	importSet(t, dir, "a", 20, 0)
	im, err := Begin(dir, "b", 100)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := im.Category("1")
	for i := 0; i < 100; i++ {
		im.Add("md5", digestOf(i), c)
	}
	// As if killed: a run renamed in but no manifest yet, lock dropped by the kernel.
	os.WriteFile(filepath.Join(dir, "run-9-md5-dead.bin"), []byte("half"), 0o600)
	im.lk.unlock()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Sets()) != 1 {
		t.Fatalf("sets: %+v", l.Sets())
	}
	l.Close()
	importSet(t, dir, "b", 20, 0)
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	for _, n := range names {
		if strings.HasPrefix(n, "tmp-") || strings.Contains(n, "dead") {
			t.Fatalf("leftover %s not swept: %v", n, names)
		}
	}
}

func TestConcurrentImportsSerialize(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashlib")
	var wg sync.WaitGroup
	for _, name := range []string{"x", "y", "z"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			importSet(t, dir, name, 200, 500)
		}()
	}
	wg.Wait()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if len(l.Sets()) != 3 {
		t.Fatalf("sets: %+v", l.Sets())
	}
	if err := l.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptRunAndManifest(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashlib")
	s := importSet(t, dir, "a", 100, 0)
	run := filepath.Join(dir, s.Runs[0].File)
	orig, _ := os.ReadFile(run)
	for _, c := range []struct {
		name string
		mod  func([]byte) []byte
		want string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)-5] }, "truncated"},
		{"bad magic", func(b []byte) []byte { b[0] = 'X'; return b }, "bad magic"},
		{"empty", func(b []byte) []byte { return nil }, "shorter than its header"},
	} {
		os.WriteFile(run, c.mod(slices.Clone(orig)), 0o600)
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Out of order: Open accepts it (reading 100 M records on every open
	// costs), Verify names it.
	b := slices.Clone(orig)
	w := 22
	r0 := slices.Clone(b[runHeaderSize : runHeaderSize+w])
	copy(b[runHeaderSize:], b[runHeaderSize+w:runHeaderSize+2*w])
	copy(b[runHeaderSize+w:], r0)
	os.WriteFile(run, b, 0o600)
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Verify(); err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Errorf("verify of a swapped run: %v", err)
	}
	l.Close()
	os.WriteFile(run, orig, 0o600)
	os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"format":1,"next_id":2,"sets":[{"id":1,"scheme":"x","hashset":{"name":"a"},"runs":[{"file":"../../etc/passwd","algo":"md5"}]}]}`), 0o600)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a run of this library") {
		t.Errorf("manifest leading out of the folder: %v", err)
	}
}

// Readers opening the library while sets are imported and removed always
// see a whole manifest whose runs open and verify.
func TestReadersDuringImportsAndRemovals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hashlib")
	importSet(t, dir, "base", 300, 0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l, err := Open(dir)
				if err != nil {
					errs <- err
					return
				}
				if err := l.Verify(); err != nil {
					errs <- err
				}
				l.Close()
			}
		}()
	}
	for i := range 8 {
		name := fmt.Sprint("s", i)
		importSet(t, dir, name, 300, 2000)
		if i%2 == 1 {
			if _, err := Remove(dir, name); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
