package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Badger maps its value logs and tables into memory and writes them
// through those maps: every page written stays in the process's resident
// set until the file is closed, so an ingest's RSS grew with the case (a
// million small files: 560 MB of value log resident, 1.2 GB in all).
// residency hands the pages of the case's mapped files back to the page
// cache now and then. Files whose mapping may have moved since
// /proc/self/maps was read (the value log being written, the memtables'
// write-ahead logs) are paged out (MADV_PAGEOUT), which loses nothing
// whatever the mapping: the kernel writes dirty file pages back before
// dropping them, and anonymous memory (had an address been reused) is only
// ever swapped, which this machine kind does not do. Files whose mapping
// cannot have moved (tables held by an iterator, value logs no longer
// written: adviseValueLogs) only leave the process (MADV_DONTNEED) and stay
// in the page cache for the next reader. A page read again is faulted back
// in from the page cache or the disk.
type residency struct {
	mu          sync.Mutex
	last        time.Time // the last trim; zero while this process has not written
	lastRelease time.Time
	dir         string // the case directory as the kernel names it (links resolved)
	// outside are the mapped tables the last look found outside the tree,
	// at lastOutside (trimTables).
	outside     map[string]bool
	lastOutside time.Time
	// tree is the tables in the tree at the last trim (trimTables).
	tree map[string]bool
	// A goroutine trims every outsideEvery while the process writes or a
	// merge is under way (startTicking); stop is set while it runs,
	// lastCommit is the last commit it counts from, closed is set once
	// the case closes.
	closed     bool
	idle       time.Duration // idleAfter when zero; tests shorten it
	lastCommit time.Time
	stop       chan struct{}
	ticker     sync.WaitGroup
}

// trimEvery is how often an ingest's commits hand the pages back.
const trimEvery = time.Second

// outsideEvery is how often the tables are trimmed while the process
// writes: a merge writes up to 80 MB of tables a second, all resident
// until the merge ends, and the lookups of a 10 M-file ingest touched
// pages of every table within a second (each fault maps the 64 KB
// around it).
const outsideEvery = 250 * time.Millisecond

// wrote tells whether this process has written to the case (committed,
// or trimmed as a writer does).
func (s *Store) wrote() bool {
	s.resident.mu.Lock()
	defer s.resident.mu.Unlock()
	return !s.resident.lastCommit.IsZero() || !s.resident.last.IsZero()
}

// tickSlack is how early a trim may come against its period. The trimming
// goroutine's ticks are outsideEvery apart, and the last trim ended the
// trim's own time after its tick (lastOutside): without slack, every
// other tick found the tables' trim not yet due, so they were trimmed
// every 500 ms, and everything every 1.25 s.
const tickSlack = outsideEvery / 2

// idleAfter is how long after the last commit, with no merge under way,
// the trimming goroutine stops.
const idleAfter = 10 * time.Second

// noteCommit keeps the trimming goroutine running; commits call it. The
// trims themselves are the goroutine's, off the one writer every record
// waits for (10 M small files: 32 CPU s of its time), and they go on
// without commits: when level 0 reaches its stall budget, Badger holds
// every commit until a merge (of up to a gigabyte and more) is done, and
// the merge's pages would pile up with no commit to trim them.
func (s *Store) noteCommit() {
	r := &s.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastCommit = time.Now()
	if r.stop == nil && !r.closed {
		s.startTicking()
	}
}

// startTicking starts the goroutine that trims every outsideEvery until
// the process has not committed for idleAfter and no merge is under way,
// or until the case closes (stopTicking). r.mu is held.
func (s *Store) startTicking() {
	r := &s.resident
	stop := make(chan struct{})
	r.stop = stop
	r.ticker.Add(1)
	go func() {
		defer r.ticker.Done()
		tick := time.NewTicker(outsideEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			r.mu.Lock()
			if r.stop != stop {
				r.mu.Unlock()
				return
			}
			idle := r.idle
			if idle == 0 {
				idle = idleAfter
			}
			if len(r.outside) == 0 && time.Since(r.lastCommit) > idle {
				r.stop = nil
				r.mu.Unlock()
				return
			}
			s.trimDue(nil)
			r.mu.Unlock()
		}
	}()
}

// stopTicking stops the trimming goroutine for good, before the case
// closes, and waits for it.
func (s *Store) stopTicking() {
	r := &s.resident
	r.mu.Lock()
	r.closed = true
	if r.stop != nil {
		close(r.stop)
		r.stop = nil
	}
	r.mu.Unlock()
	r.ticker.Wait()
}

// maybeTrimClosing trims the case's mapped files when due; with keep
// set, Badger is closing (and closes tables whatever their references):
// the write-ahead logs and the tables written since closing began are
// paged out, and the tables of the tree as it was (keep) are left alone,
// cached for the next reader of the case. So are the value logs: closing
// writes none, it unmaps them (so dropping pages over a range read before
// could reach whatever is mapped there next), and paging them out would
// evict what the next reader reads.
func (s *Store) maybeTrimClosing(keep map[string]bool) {
	r := &s.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	s.trimDue(keep)
}

// trimDue is maybeTrimClosing with r.mu held: the tables every
// outsideEvery, everything every trimEvery, each within tickSlack; while
// closing, everything every trimEvery, or at every call while a merge
// runs (closingMerge).
func (s *Store) trimDue(keep map[string]bool) {
	r := &s.resident
	now := time.Now()
	full := now.Sub(r.last) >= trimEvery-tickSlack
	if keep != nil {
		maps := mappedFiles(r.caseDir(s))
		merging := closingMerge(maps, keep)
		if !full && !merging {
			return
		}
		r.last = now
		var a batchedAdvice
		defer a.give()
		for _, m := range maps {
			switch filepath.Ext(m.name) {
			case ".mem":
				a.pageOut(m.addr, m.n)
			case ".sst":
				if merging || !keep[m.name] {
					a.pageOut(m.addr, m.n)
				}
			}
		}
		return
	}
	if !full && now.Sub(r.lastOutside) >= outsideEvery-tickSlack {
		s.trimTables(r.caseDir(s), false, nil)
		return
	}
	if full {
		r.last = now
		s.trimMappedFiles(r.caseDir(s), false)
	}
}

// closingMerge tells whether a merge runs while Badger closes: closing
// flushes the last memtable into one new table, which can leave level 0
// owing a merge, and Badger finishes it before it closes. A merge out of
// level 0 reads every table of the level below (the keys of an ingest are
// hash-scattered), and the tree's tables were left resident for the next
// reader: 10 M small files peaked at 1.9-2.0 GB, 1.5 GB of it tables, in
// the last seconds of three runs out of seven. Its inputs are deleted when
// it ends, so once it has written a second new table the tree's tables
// are paged out too.
func closingMerge(maps []mapping, keep map[string]bool) bool {
	written := map[string]bool{}
	for _, m := range maps {
		if filepath.Ext(m.name) == ".sst" && !keep[m.name] {
			written[m.name] = true
		}
	}
	return len(written) >= 2
}

// maybeRelease drops, once a second at most, this process's view of the
// case's mapped files while a long scan reads them: a listing reads each
// value once, and the value log it has mapped stayed resident, so the
// process grew with the case (a million places: 900 MB). The pages stay
// in the page cache for the next reader, but the newest log's: another
// goroutine may be writing it (adviseValueLogs).
func (s *Store) maybeRelease() {
	r := &s.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.lastRelease) >= trimEvery {
		r.lastRelease = now
		// Only the value logs: the tables are read again by every
		// chunk's iterator and lookup (dropping them too, `scrim files`
		// on 10 M places of 7 M media took 129-134 s instead of 80-102).
		s.releaseValueLogs()
	}
}

// releaseDeltaPages drops this process's view of the value logs every
// 256 counter deltas read (n counts them): each delta sits in its own
// transaction's stretch of the log, and every read mapped the pages
// around it, so the fold on closing a million-file ingest took its peak
// resident set from 466 to 630 MB.
func (s *Store) releaseDeltaPages(n int) {
	if n%256 != 0 {
		return
	}
	r := &s.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	s.releaseValueLogs()
}

// releaseValueLogs drops this process's view of the value logs no longer
// written and pages the newest out (adviseValueLogs); r.mu is held.
func (s *Store) releaseValueLogs() {
	var a batchedAdvice
	adviseValueLogs(s.resident.caseDir(s), a.dropPages, a.pageOut)
	a.give()
}

// caseDir is the case directory as /proc/self/maps names it; r.mu is held.
func (r *residency) caseDir(s *Store) string {
	if r.dir == "" {
		if r.dir, _ = filepath.EvalSymlinks(s.dir); r.dir == "" {
			r.dir = s.dir
		}
	}
	return r.dir
}

// trimWhileClosing keeps trimming while Badger closes a case this process
// wrote: closing flushes the memtables and finishes the compactions under
// way, which write tables through their maps. It looks every settlePoll,
// as settling does, and trims once a second, or at each look while a
// merge runs. The returned function stops it and waits for it.
func (s *Store) trimWhileClosing() (stop func()) {
	if !s.wrote() {
		return func() {}
	}
	keep := s.tableNames()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(settlePoll)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				s.maybeTrimClosing(keep)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// trimSettling trims now, for a process waiting for the merges to end
// (settleCompactions): it writes nothing more, so every table outside the
// tree is a merge's output and is paged out at once. Trimming once a
// second, as commits do, let a merge's last second of tables stay
// resident on top of its input: a million-file ingest's closing merge
// still peaked at 572 MB.
func (s *Store) trimSettling() {
	r := &s.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = time.Now()
	s.trimMappedFiles(r.caseDir(s), true)
}

// tablesBeingWritten counts the tables the last trim found outside the
// tree and newer than every table in it: a merge's outputs join the tree
// only when the whole merge is done, so while there are any a merge (or a
// flush) is under way. Older ones may be a merge's inputs an iterator
// still holds, which no wait would see go.
func (s *Store) tablesBeingWritten() (n int) {
	r := &s.resident
	r.mu.Lock()
	defer r.mu.Unlock()
	newest := -1
	for name := range r.tree {
		newest = max(newest, fileNumber(name, ".sst"))
	}
	for name := range r.outside {
		if fileNumber(name, ".sst") > newest {
			n++
		}
	}
	return n
}

// trimMappedFiles pages out every shared mapping of a memtable write-ahead
// log (.mem, only read back after a crash) and of the value log being
// written, and drops its view of the older value logs and of the tables in
// the tree: those stay in the page cache. Paging every value log out made
// the first read path after an ingest read them from the disk (1 M places:
// `scrim files` 7.08 s right after the ingest, 2.25 s with them kept). Tables stay
// in the page cache: every lookup reads their Bloom filters, index and
// blocks, and paging them out each second had each lookup read them again
// from the disk (the 10 M-place read-path case, 9 M duplicate places each
// settled by a lookup: 136 GB read from the disk and 7.2 M major faults in
// the first 19 minutes of its ingest, for 9.6 GB of evidence).
//
// Dropping pages (MADV_DONTNEED) is only safe on a range that is still
// the file's mapping: had compaction unmapped a table after
// /proc/self/maps was read and something else been mapped there, its
// memory would be zeroed. So an iterator holds a reference to every table
// of the tree while the ranges are read and advised (Badger unmaps a
// table once its last reference goes), and only tables in the tree both
// before and after it was opened, hence held, are dropped. The others are
// being written by a flush or a merge: a flush's table joins the tree
// within the second and waits for the next trim, but a merge adds its
// tables only when the whole merge is done, so a table found outside the
// tree by two trims in a row (by one, settling) is paged out, which is
// safe whatever the mapping. A merge of level 0 at the end of a
// million-file ingest wrote 185 tables, 350 MB, all resident until it
// finished (peak RSS 850 MB).
func (s *Store) trimMappedFiles(dir string, settling bool) {
	var a batchedAdvice
	adviseMappedFiles(dir, a.pageOut, ".mem")
	adviseValueLogs(dir, a.dropPages, a.pageOut)
	s.trimTables(dir, settling, &a)
}

// trimTables is trimMappedFiles' part for the tables: the tree's, held,
// leave the process; a merge's outputs are paged out. A table is held when
// it was in the tree at the last trim and still is after the iterator
// opened: a table leaves the tree for good, so it was in the tree when
// the iterator opened too. One list of the tree per trim: Badger's
// Tables() reads every table's index (10 M small files: 9 CPU s for two
// lists per trim). The advice gathered before (a, nil for none) is given
// with the tables', all while the iterator holds them.
func (s *Store) trimTables(dir string, settling bool, a *batchedAdvice) {
	r := &s.resident
	if a == nil {
		a = &batchedAdvice{}
	}
	txn := s.db.NewTransaction(false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{}) // references every table
	defer it.Close()
	tree := s.tableNames()
	held := map[string]bool{}
	for name := range tree {
		if r.tree[name] {
			held[name] = true
		}
	}
	r.tree = tree
	s.adviseTables(dir, held, tree, a.dropPages, a.pageOut, settling)
	a.give()
}

// adviseTables calls inTree with the mapping of every table held, leaves
// alone the tables that joined the tree since the last look (not held:
// the next look drops them), and calls out (paging out) with the tables
// outside the tree that the last look found outside too (all of them,
// eager); it remembers which were outside. r.mu is held.
func (s *Store) adviseTables(dir string, held, tree map[string]bool, inTree, out func(addr, n uintptr), eager bool) {
	r := &s.resident
	outside := map[string]bool{}
	for _, m := range mappedFiles(dir) {
		switch {
		case filepath.Ext(m.name) != ".sst":
		case held[m.name]:
			inTree(m.addr, m.n)
		case tree[m.name]:
		case eager || r.outside[m.name]:
			out(m.addr, m.n)
			outside[m.name] = true
		default:
			outside[m.name] = true
		}
	}
	r.outside, r.lastOutside = outside, time.Now()
}

// batchedAdvice gathers the ranges of one trim, to advise them with one
// system call per kind of advice (adviseAll) rather than one per range.
type batchedAdvice struct{ drop, out []mapping }

func (a *batchedAdvice) dropPages(addr, n uintptr) {
	a.drop = append(a.drop, mapping{addr: addr, n: n})
}

func (a *batchedAdvice) pageOut(addr, n uintptr) {
	a.out = append(a.out, mapping{addr: addr, n: n})
}

// give advises every range gathered, and forgets them.
func (a *batchedAdvice) give() {
	adviseAll(adviceDrop, a.drop)
	adviseAll(advicePageOut, a.out)
	a.drop, a.out = a.drop[:0], a.out[:0]
}

// tableNames are the file names of the tables in the tree now.
func (s *Store) tableNames() map[string]bool {
	names := map[string]bool{}
	for _, t := range s.db.Tables() {
		names[fmt.Sprintf("%06d.sst", t.ID)] = true
	}
	return names
}

// adviseMappedFiles calls advise with the address and length of every
// shared mapping of the case in dir whose file name ends in one of exts.
func adviseMappedFiles(dir string, advise func(addr, n uintptr), exts ...string) {
	adviseMappedFilesNamed(dir, advise, func(name string) bool { return slices.Contains(exts, filepath.Ext(name)) })
}

// adviseMappedFilesNamed calls advise with the address and length of every
// shared mapping of the case in dir whose file name pick accepts.
func adviseMappedFilesNamed(dir string, advise func(addr, n uintptr), pick func(name string) bool) {
	for _, m := range mappedFiles(dir) {
		if pick(m.name) {
			advise(m.addr, m.n)
		}
	}
}

// adviseValueLogs calls older with every mapping of a value log of the
// case in dir but the newest, and newest with the newest's. Only the
// newest is written: Badger truncates and remaps it (mremap) when it is
// full, before it creates the next one, and no value-log GC runs here, so
// an older log keeps its mapping while the case is open and older may
// drop pages (MADV_DONTNEED) that nothing else can have been mapped over.
// newest must be safe whatever the mapping (paging out).
func adviseValueLogs(dir string, older, newest func(addr, n uintptr)) {
	logs := slices.DeleteFunc(mappedFiles(dir), func(m mapping) bool { return filepath.Ext(m.name) != ".vlog" })
	last := -1
	for _, m := range logs {
		last = max(last, fileNumber(m.name, ".vlog"))
	}
	for _, m := range logs {
		if n := fileNumber(m.name, ".vlog"); n >= 0 && n < last {
			older(m.addr, m.n)
		} else {
			newest(m.addr, m.n)
		}
	}
}

// fileNumber is the number of a Badger file named like 000048.vlog or
// 000127.sst, given its extension; -1 for any other name.
func fileNumber(name, ext string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(name, ext))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// mapping is one shared mapping of a file of the case.
type mapping struct {
	name    string // the file's base name
	addr, n uintptr
}

// mappedFiles lists the shared mappings of files of the case in dir, as
// /proc/self/maps shows them now.
func mappedFiles(dir string) []mapping {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil // not Linux, or no /proc: the resident set is only larger
	}
	defer f.Close()
	var out []mapping
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		// 7f90d0000000-7f90d8000000 rw-s 00000000 fe:00 9978404   /case/000006.vlog
		fields := bytes.Fields(sc.Bytes())
		if len(fields) < 6 || len(fields[1]) != 4 || fields[1][3] != 's' {
			continue
		}
		p := string(bytes.Join(fields[5:], []byte(" ")))
		if filepath.Dir(p) != dir {
			continue
		}
		lo, hi, ok := bytes.Cut(fields[0], []byte("-"))
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(lo), 16, 64)
		end, err2 := strconv.ParseUint(string(hi), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		out = append(out, mapping{name: filepath.Base(p), addr: uintptr(start), n: uintptr(end - start)})
	}
	return out
}
