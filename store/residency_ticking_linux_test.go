package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ticking reads whether the trimming goroutine runs.
func ticking(st *Store) bool {
	st.resident.mu.Lock()
	defer st.resident.mu.Unlock()
	return st.resident.stop != nil
}

// The trimming goroutine starts with the first commit, outlives the
// commits while a merge's tables are outside the tree (Badger holds
// commits during a level-0 stall, and the merge's pages must still be
// handed back), stops once idle, starts again with the next commit, and
// is gone when the case closes.
func TestTrimmingGoroutineFollowsWritesAndMerges(t *testing.T) {
	st, dir := openTemp(t)
	st.resident.mu.Lock()
	st.resident.idle = 1500 * time.Millisecond // over trimEvery, as idleAfter is
	st.resident.mu.Unlock()
	if ticking(st) {
		t.Fatal("trimming before anything was written")
	}
	commit := func(n int) {
		t.Helper()
		b := st.NewBatch()
		m := media(n, "picture")
		if _, err := b.Add(FileRecord{Occurrence: occ("ev", "f"+m.SHA256[60:], m), Media: m}); err != nil {
			t.Fatal(err)
		}
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	commit(1)
	if !ticking(st) {
		t.Fatal("no trimming goroutine after a commit")
	}
	// A merge under way: a mapped table outside the tree, and no commit.
	p := filepath.Join(dir, "999999.sst")
	if err := os.WriteFile(p, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, 1<<20, unix.PROT_READ, unix.MAP_SHARED)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	outside := func() bool {
		st.resident.mu.Lock()
		defer st.resident.mu.Unlock()
		return st.resident.outside["999999.sst"]
	}
	deadline := time.Now().Add(5 * time.Second)
	for !outside() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !outside() {
		t.Fatal("the trimming goroutine did not look at the tables")
	}
	st.resident.mu.Lock()
	st.resident.lastCommit = time.Now().Add(-time.Minute)
	st.resident.mu.Unlock()
	time.Sleep(6 * outsideEvery)
	if !ticking(st) {
		t.Fatal("trimming stopped while a merge's table was outside the tree")
	}
	// The merge done (its table gone): idle, the goroutine stops.
	if err := unix.Munmap(m); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for ticking(st) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if ticking(st) {
		t.Fatal("trimming went on with nothing written and no merge")
	}
	commit(2)
	if !ticking(st) {
		t.Fatal("a commit after idling did not start trimming again")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st.resident.mu.Lock()
	closed, tick := st.resident.closed, st.resident.stop != nil
	st.resident.mu.Unlock()
	if !closed || tick {
		t.Fatalf("after close: closed %v, ticking %v", closed, tick)
	}
	st.resident.ticker.Wait() // returns at once: the goroutine is gone
}

// Each tick of the trimming goroutine trims: a tick comes outsideEvery
// after the last one, so a hair less than that after the last trim
// ended, and the trim must still be due then (tickSlack).
func TestEveryTickTrims(t *testing.T) {
	st, _ := openTemp(t)
	r := &st.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.last, r.lastOutside = now.Add(-trimEvery/2), now.Add(-outsideEvery+20*time.Millisecond)
	st.trimDue(nil)
	if !r.lastOutside.After(now) {
		t.Errorf("a tick %v after the last tables' trim ended did not trim them", outsideEvery-20*time.Millisecond)
	}
	if !r.last.Before(now) {
		t.Error("a tables' tick made a full trim half a period early")
	}
	r.last = time.Now().Add(-trimEvery + 20*time.Millisecond)
	before := r.last
	st.trimDue(nil)
	if !r.last.After(before) {
		t.Errorf("the tick %v after the last full trim did not make one", trimEvery-20*time.Millisecond)
	}
}
