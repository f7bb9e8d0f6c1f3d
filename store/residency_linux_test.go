package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentKiB sums the resident pages of this process's mappings of the
// case's value logs and tables, from /proc/self/smaps.
func residentKiB(t *testing.T, dir string) int {
	t.Helper()
	return smapsRSS(t, func(p string) bool {
		return filepath.Dir(p) == dir && (strings.HasSuffix(p, ".vlog") || strings.HasSuffix(p, ".sst") || strings.HasSuffix(p, ".mem"))
	})
}

// residentKiBOf is the Rss of this process's mappings of file p.
func residentKiBOf(t *testing.T, p string) int {
	t.Helper()
	return smapsRSS(t, func(q string) bool { return q == p })
}

// smapsRSS sums the Rss (KiB) of this process's mappings of the files
// pick accepts, from /proc/self/smaps.
func smapsRSS(t *testing.T, pick func(path string) bool) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps")
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && strings.Contains(fields[0], "-") {
			in = pick(fields[len(fields)-1])
			continue
		}
		if in && len(fields) == 3 && fields[0] == "Rss:" {
			n, _ := strconv.Atoi(fields[1])
			total += n
		}
	}
	return total
}

// TestTrimKeepsEveryRecord pages the case's mapped files out between and
// after writes: the resident set shrinks, and every record reads back the
// same, before and after the case is closed and opened again.
func TestTrimKeepsEveryRecord(t *testing.T) {
	st, dir := openTemp(t)
	real, err := filepath.EvalSymlinks(st.dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	write := func(from, to int) {
		b := st.NewBatch()
		for i := from; i < to; i++ {
			m := media(i, "other")
			m.MIME = strings.Repeat("x", 200) // a record over the value threshold: in the value log
			if _, err := b.Add(FileRecord{Occurrence: occ("ev", fmt.Sprintf("/f%06d", i), m), Media: m}); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	write(0, n/2)
	trimNow(st, real) // between writes: the value log being written is paged out too
	write(n/2, n)
	if err := st.db.Sync(); err != nil {
		t.Fatal(err)
	}
	before := residentKiB(t, real)
	trimNow(st, real)
	after := residentKiB(t, real)
	t.Logf("resident pages of the case's value logs and tables: %d KiB before the trim, %d KiB after", before, after)
	if before > 1024 && after > before/2 {
		t.Errorf("trim left %d of %d KiB resident", after, before)
	}
	check := func(st *Store) {
		t.Helper()
		for i := 0; i < n; i += 7 {
			m := media(i, "other")
			got, ok, err := st.Media(m.SHA256)
			if err != nil || !ok || got.MIME != strings.Repeat("x", 200) || got.Size != m.Size {
				t.Fatalf("media %d after trim: %+v %v %v", i, got, ok, err)
			}
			o, ok, err := st.Occurrence(OccurrenceKey(occ("ev", fmt.Sprintf("/f%06d", i), m)))
			if err != nil || !ok || o.SHA256 != m.SHA256 {
				t.Fatalf("place %d after trim: %+v %v %v", i, o, ok, err)
			}
		}
	}
	check(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	check(st)
	if msg, err := st.CounterMismatch(); err != nil || msg != "" {
		t.Fatalf("counters after trim: %q %v", msg, err)
	}
}

// TestReleaseWhileScanning: a chunked scan drops its view of the value
// log it has read (the resident set does not keep it), and every record
// still reads the same, during and after the scan.
func TestReleaseWhileScanning(t *testing.T) {
	st, _ := openTemp(t)
	defer st.Close()
	real, err := filepath.EvalSymlinks(st.dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	b := st.NewBatch()
	for i := range n {
		m := media(i, "other")
		m.MIME = strings.Repeat("x", 200) // over the value threshold: in the value log
		if _, err := b.Add(FileRecord{Occurrence: occ("ev", fmt.Sprintf("/f%06d-%s", i, strings.Repeat("p", 150)), m), Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	read := func() int {
		var mu sync.Mutex
		seen := 0
		err := EachOccurrenceChunk(st, "", 500, 2, func() (int, error) { return 0, nil },
			func(_ int, o Occurrence) error {
				if !strings.HasPrefix(o.Path, "/f") || len(o.SHA256) != 64 {
					return fmt.Errorf("place read back as %+v", o)
				}
				mu.Lock()
				seen++
				mu.Unlock()
				return nil
			},
			func(_ int, err error) {
				if err != nil {
					t.Error(err)
				}
			})
		if err != nil {
			t.Fatal(err)
		}
		return seen
	}
	if got := read(); got != n {
		t.Fatalf("%d places, want %d", got, n)
	}
	before := residentKiB(t, real)
	st.resident.mu.Lock()
	st.resident.lastRelease = time.Time{} // the next chunk releases
	st.resident.mu.Unlock()
	if got := read(); got != n {
		t.Fatalf("after a release: %d places, want %d", got, n)
	}
	var a batchedAdvice
	adviseMappedFiles(real, a.dropPages, ".vlog")
	a.give()
	after := residentKiB(t, real)
	t.Logf("resident pages of the case's value logs and tables: %d KiB after a scan, %d KiB after a release", before, after)
	if before > 1024 && after > before/2 {
		t.Errorf("release left %d of %d KiB resident", after, before)
	}
	if got := read(); got != n {
		t.Fatalf("after the last release: %d places, want %d", got, n)
	}
}

// cachedPages counts the pages of file p the page cache holds (mincore on
// a mapping of its own) and the pages of the file.
func cachedPages(t *testing.T, p string) (cached, pages int) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return 0, 0
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(data)
	vec := make([]byte, (len(data)+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore %s: %v", p, errno)
	}
	for _, v := range vec {
		if v&1 != 0 {
			cached++
		}
	}
	return cached, len(vec)
}

// TestTrimKeepsTablesCached: a trim drops the process's view of the
// tables but leaves them in the page cache, where the next lookup finds
// them; paging them out had every lookup and compaction of a large ingest
// read them again from the disk.
func TestTrimKeepsTablesCached(t *testing.T) {
	st, dir := openTemp(t)
	const n = 20000
	b := st.NewBatch()
	for i := range n {
		m := media(i, "other")
		if _, err := b.Add(FileRecord{Occurrence: occ("ev", fmt.Sprintf("/f%06d", i), m), Media: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil { // the memtable becomes a table
		t.Fatal(err)
	}
	st, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	real, err := filepath.EvalSymlinks(st.dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 3 { // lookups read the tables through their maps
		if _, ok, err := st.Media(media(i, "other").SHA256); err != nil || !ok {
			t.Fatalf("media %d: %v %v", i, ok, err)
		}
	}
	tables, _ := filepath.Glob(filepath.Join(real, "*.sst"))
	if len(tables) == 0 {
		t.Fatal("no table written")
	}
	count := func() (cached, pages int) {
		for _, p := range tables {
			c, n := cachedPages(t, p)
			cached, pages = cached+c, pages+n
		}
		return cached, pages
	}
	before, pages := count()
	trimNow(st, real)
	after, _ := count()
	t.Logf("%d tables, %d pages: %d in the page cache before the trim, %d after", len(tables), pages, before, after)
	if after < before*9/10 {
		t.Errorf("the trim evicted the tables from the page cache: %d of %d pages left", after, before)
	}
	// A table is held, and its pages leave the process, once two trims
	// in a row found it in the tree (trimTables): the first trim of this
	// process only listed the tree.
	t.Logf("%d KiB resident after one trim", residentKiBOf(t, tables[0]))
	trimNow(st, real)
	for _, p := range tables {
		if kib := residentKiBOf(t, p); kib > 16 {
			t.Errorf("%s: %d KiB resident after two trims", filepath.Base(p), kib)
		}
	}
	// Closing trims too, while Badger flushes and merges: the tables the
	// case had stay cached for its next reader.
	for i := 2; i < n; i += 3 { // mapped again
		if _, ok, err := st.Media(media(i, "other").SHA256); err != nil || !ok {
			t.Fatalf("media %d after the trim: %v %v", i, ok, err)
		}
	}
	st.resident.mu.Lock()
	st.resident.last = time.Now().Add(-time.Hour) // a writer's close
	st.resident.mu.Unlock()
	stop := st.trimWhileClosing()
	time.Sleep(1500 * time.Millisecond) // one closing trim
	stop()
	closed, _ := count()
	t.Logf("%d pages in the page cache after a closing trim", closed)
	if closed < before*9/10 {
		t.Errorf("the closing trim evicted the tables from the page cache: %d of %d pages left", closed, before)
	}
	for i := 1; i < n; i += 3 {
		if _, ok, err := st.Media(media(i, "other").SHA256); err != nil || !ok {
			t.Fatalf("media %d after the trim: %v %v", i, ok, err)
		}
	}
}

// TestValueLogsKeptCached: of the mapped value logs, only the newest (the
// one Badger may truncate and remap while writing) is paged out of the page
// cache; the older ones only leave the process, so the read paths after an
// ingest find them cached; every page reads back the same.
func TestValueLogsKeptCached(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const size = 4 << 20
	var maps [][]byte
	names := []string{"000007.vlog", "000009.vlog", "000010.vlog", "000003.mem"}
	for _, name := range names {
		p := filepath.Join(dir, name)
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7 / 4096)
		}
		m := mapNewFile(t, p, data, true)
		m[size-1] = 0xAB // dirty, written through the map as Badger writes
		maps = append(maps, m)
	}
	var older, newest []string
	name := func(addr uintptr) string {
		for i, m := range maps {
			if uintptr(unsafe.Pointer(&m[0])) == addr {
				return names[i]
			}
		}
		return "?"
	}
	adviseValueLogs(dir, func(a, _ uintptr) { older = append(older, name(a)) }, func(a, _ uintptr) { newest = append(newest, name(a)) })
	sort.Strings(older)
	if fmt.Sprint(older) != "[000007.vlog 000009.vlog]" || fmt.Sprint(newest) != "[000010.vlog]" {
		t.Fatalf("older %v, newest %v", older, newest)
	}
	unix.Sync() // paging out only reclaims clean pages at once
	sum := 0
	for _, m := range maps[:3] { // read through the maps: resident
		for i := 0; i < size; i += 4096 {
			sum += int(m[i]) // a blank read (_ = m[i]) is compiled away
		}
	}
	if kib := residentKiB(t, dir); sum == 0 || kib < 3*size/1024*9/10 {
		t.Fatalf("the logs read through their maps: %d KiB resident", kib)
	}
	var a batchedAdvice // as a trim does
	adviseMappedFiles(dir, a.pageOut, ".mem")
	adviseValueLogs(dir, a.dropPages, a.pageOut)
	a.give()
	if kib := residentKiB(t, dir); kib > 1024 {
		t.Errorf("%d KiB of the logs still resident", kib)
	}
	for i, p := range []string{"000007.vlog", "000009.vlog", "000010.vlog"} {
		cached, pages := cachedPages(t, filepath.Join(dir, p))
		t.Logf("%s: %d of %d pages cached", p, cached, pages)
		if i < 2 && cached < pages*9/10 {
			t.Errorf("older log %s left the page cache: %d of %d pages", p, cached, pages)
		}
		if maps[i][size-1] != 0xAB || maps[i][4096] != byte(4096*7/4096) {
			t.Fatalf("%s reads back differently", p)
		}
	}
}

// TestMergeOutputsPagedOut: a table outside the tree (a merge's output,
// added to the tree only when the whole merge ends) is paged out by the
// second look that finds it outside, at the first while settling; the
// tree's tables are left to the caller; every page reads back the same.
func TestMergeOutputsPagedOut(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const size = 2 << 20
	maps := map[string][]byte{}
	mapTable := func(name string) {
		p := filepath.Join(dir, name)
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i / 4096 * 3)
		}
		maps[name] = mapNewFile(t, p, data, false)
	}
	touch := func() { // read through the maps: resident
		sum := 0
		for _, m := range maps {
			for i := 0; i < size; i += 4096 {
				sum += int(m[i])
			}
		}
		if sum == 0 {
			t.Fatal("the tables read back as zeros")
		}
	}
	rss := func(name string) int { return residentKiBOf(t, filepath.Join(dir, name)) }
	mapTable("000001.sst") // in the tree
	mapTable("000002.sst") // a merge's output
	unix.Sync()
	touch()
	st := &Store{dir: dir}
	tree := map[string]bool{"000001.sst": true}
	var inTree []uintptr
	look := func(eager bool) {
		var a batchedAdvice
		st.adviseTables(dir, tree, tree, func(addr, _ uintptr) { inTree = append(inTree, addr) }, a.pageOut, eager)
		a.give()
	}
	look(false)
	if rss("000002.sst") < size/1024*9/10 {
		t.Fatalf("a table outside the tree was paged out at the first look: %d KiB resident", rss("000002.sst"))
	}
	mapTable("000003.sst") // written since
	touch()
	look(false)
	if got := rss("000002.sst"); got > size/1024/10 {
		t.Errorf("the second look left %d KiB of the merge's table resident", got)
	}
	if got := rss("000003.sst"); got < size/1024*9/10 {
		t.Errorf("a table new since the last look was paged out: %d KiB resident", got)
	}
	if got := rss("000001.sst"); got < size/1024*9/10 {
		t.Errorf("a table in the tree was paged out: %d KiB resident", got)
	}
	if len(inTree) != 2 || inTree[0] != uintptr(unsafe.Pointer(&maps["000001.sst"][0])) {
		t.Errorf("the tree's table was handed to the caller %d times (%v)", len(inTree), inTree)
	}
	look(true) // settling: every table outside the tree at once
	if got := rss("000003.sst"); got > size/1024/10 {
		t.Errorf("settling left %d KiB of a new table resident", got)
	}
	for name, m := range maps {
		for i := 0; i < size; i += 4096 {
			if m[i] != byte(i/4096*3) {
				t.Fatalf("%s reads back differently at %d", name, i)
			}
		}
	}
}

// trimNow trims the case's mapped files at once, holding the lock the
// trimming goroutine a commit starts also takes.
func trimNow(st *Store, dir string) {
	st.resident.mu.Lock()
	defer st.resident.mu.Unlock()
	st.trimMappedFiles(dir, false)
}

// adviseAll gives its advice to every range, in one call where the kernel
// allows, and goes on past a range the kernel refuses (here a locked page,
// which cannot be paged out; in a trim, a range unmapped meanwhile).
func TestAdviseAllGivesEveryRange(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const size = 2 << 20
	var ranges []mapping
	var maps [][]byte
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("%06d.sst", i))
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(j/4096 + i)
		}
		m := mapNewFile(t, p, data, false)
		maps = append(maps, m)
		ranges = append(ranges, mapping{addr: uintptr(unsafe.Pointer(&m[0])), n: size})
	}
	unix.Sync() // clean pages are paged out at once
	touch := func() {
		for i, m := range maps {
			for j := 0; j < size; j += 4096 {
				if m[j] != byte(j/4096+i) {
					t.Fatalf("map %d reads back differently at %d", i, j)
				}
			}
		}
	}
	resident := func() (kib []int) {
		for i := range maps {
			kib = append(kib, residentKiBOf(t, filepath.Join(dir, fmt.Sprintf("%06d.sst", i))))
		}
		return kib
	}
	touch()
	adviseAll(adviceDrop, ranges)
	for i, kib := range resident() {
		if kib > size/1024/10 {
			t.Errorf("dropped, map %d keeps %d KiB resident", i, kib)
		}
	}
	touch() // still there, from the page cache

	locked, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(locked) })
	if err := unix.Mlock(locked); err != nil {
		t.Skipf("cannot lock a page: %v", err)
	}
	refused := mapping{addr: uintptr(unsafe.Pointer(&locked[0])), n: 4096}
	adviseAll(advicePageOut, []mapping{ranges[0], refused, ranges[1], ranges[2]})
	for i, kib := range resident() {
		if kib > size/1024/10 {
			t.Errorf("paged out past a refused range, map %d keeps %d KiB resident", i, kib)
		}
	}
	touch()
}

// mapNewFile writes data to the file p and maps it shared, writable with
// write, until the test ends.
func mapNewFile(t *testing.T, p string, data []byte, write bool) []byte {
	t.Helper()
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	flag, prot := os.O_RDONLY, unix.PROT_READ
	if write {
		flag, prot = os.O_RDWR, unix.PROT_READ|unix.PROT_WRITE
	}
	f, err := os.OpenFile(p, flag, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, len(data), prot, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(m) })
	return m
}

// TestClosingMergeNeedsASecondNewTable: closing flushes the last memtable
// into one new table, which is no merge; a second new table is a merge
// reading the tree's tables, which are then paged out too.
func TestClosingMergeNeedsASecondNewTable(t *testing.T) {
	keep := map[string]bool{"000001.sst": true, "000002.sst": true}
	maps := []mapping{{name: "000001.sst"}, {name: "000002.sst"}, {name: "000003.sst"}, {name: "000003.sst"}, {name: "000007.vlog"}, {name: "00009.mem"}}
	if closingMerge(maps, keep) {
		t.Fatal("the last memtable's table (mapped twice) taken for a merge")
	}
	if !closingMerge(append(maps, mapping{name: "000004.sst"}), keep) {
		t.Fatal("two new tables while closing not taken for a merge")
	}
}
