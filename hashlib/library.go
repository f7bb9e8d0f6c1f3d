// Package hashlib is the workstation's hash library: hash sets imported
// once into $SCRIM_HOME/hashlib and matched by every case, so a lab-size
// set (NSRL, a national VICS export) is not copied into each case store.
//
// Each set is a few sorted run files of fixed-width records (run.go), one
// per digest algorithm, memory-mapped read-only and searched by galloping
// from the previous hit as the case's sorted digests come in. A manifest
// (manifest.go) names the sets, their provenance and their runs; it is
// replaced by rename, so readers never see half an import. Imports take an
// exclusive lock file, sort in bounded memory and write under temporary
// names (import.go); whatever a killed import left is removed by the next.
package hashlib

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"scrim/profile"
)

// DefaultDir is the library inside $SCRIM_HOME (default ~/.scrim).
func DefaultDir() string { return DirIn(profile.DefaultHome()) }

// DirIn is the library inside the workstation home folder home, so a
// workstation started with another home matches that home's library.
func DirIn(home string) string { return filepath.Join(home, "hashlib") }

// Library is an open, read-only view of the library as one manifest named
// it. It is safe for concurrent readers.
type Library struct {
	dir  string
	man  Manifest
	runs [][]*run // per set (index in man.Sets), its mapped runs
}

// Open maps the library in dir. A folder without a manifest is an empty
// library. A run removed between reading the manifest and opening it (a
// concurrent removal) makes Open read the manifest again.
func Open(dir string) (*Library, error) {
	var last error
	for range 5 {
		l, err := open(dir)
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			return l, err
		}
		last = err
		time.Sleep(10 * time.Millisecond)
	}
	return nil, last
}

func open(dir string) (*Library, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	l := &Library{dir: dir, man: m, runs: make([][]*run, len(m.Sets))}
	for i, s := range m.Sets {
		for _, rf := range s.Runs {
			r, err := openRun(filepath.Join(dir, rf.File))
			if err != nil {
				l.Close()
				return nil, fmt.Errorf("hash library %s: set %s: %w", dir, s.HashSet.Name, err)
			}
			l.runs[i] = append(l.runs[i], r)
			switch {
			case r.hdr.set != s.ID:
				err = fmt.Errorf("run %s belongs to set %d, the manifest names set %d", rf.File, r.hdr.set, s.ID)
			case r.hdr.digestLen != algoLen[rf.Algo]:
				err = fmt.Errorf("run %s holds %d-byte digests, the manifest says %s", rf.File, r.hdr.digestLen, rf.Algo)
			case r.hdr.count != rf.Records:
				err = fmt.Errorf("run %s holds %d records, the manifest says %d", rf.File, r.hdr.count, rf.Records)
			}
			if err != nil {
				l.Close()
				return nil, fmt.Errorf("hash library %s: set %s: %w", dir, s.HashSet.Name, err)
			}
		}
	}
	return l, nil
}

// Close unmaps the runs.
func (l *Library) Close() error {
	var first error
	for _, rs := range l.runs {
		for _, r := range rs {
			if err := r.close(); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// Dir is the library's folder.
func (l *Library) Dir() string { return l.dir }

// Sets lists the library's sets in import order.
func (l *Library) Sets() []Set { return append([]Set(nil), l.man.Sets...) }

// Empty tells whether the library holds no set.
func (l *Library) Empty() bool { return len(l.man.Sets) == 0 }

// Verify reads every record of every run: sorted, of its set, category
// index inside the set's table.
func (l *Library) Verify() error {
	for i, s := range l.man.Sets {
		for _, r := range l.runs[i] {
			if err := r.verify(len(s.Categories)); err != nil {
				return fmt.Errorf("set %s: %w", s.HashSet.Name, err)
			}
		}
	}
	return nil
}

// Match looks up digests of one algorithm, given as n sorted digests
// packed end to end, in every set. fn gets the query's index, the set and
// the category code the set gives it.
func (l *Library) Match(algo string, queries []byte, fn func(q int, s *Set, category string) error) error {
	size, ok := algoLen[algo]
	if !ok {
		return fmt.Errorf("hash library: unknown algorithm %q", algo)
	}
	if len(queries)%size != 0 {
		return fmt.Errorf("hash library: %d bytes of %s queries is not a whole number of digests", len(queries), algo)
	}
	n := len(queries) / size
	for si := range l.man.Sets {
		s := &l.man.Sets[si]
		for ri, r := range l.runs[si] {
			if s.Runs[ri].Algo != algo {
				continue
			}
			var pos int64
			for qi := 0; qi < n; qi++ {
				q := queries[qi*size : (qi+1)*size]
				pos = r.seek(pos, q)
				for j := pos; j < r.hdr.count && string(r.digest(j)) == string(q); j++ {
					if err := r.check(j, len(s.Categories)); err != nil {
						return err
					}
					if err := fn(qi, s, s.Categories[r.category(j)]); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// lock is the library's exclusive writer lock: imports and removals run one
// at a time; readers do not take it.
type lock struct{ f *os.File }

func lockDir(dir string) (*lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hash library %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("hash library %s: lock: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("hash library %s: lock: %w", dir, err)
	}
	return &lock{f: f}, nil
}

func (k *lock) unlock() {
	syscall.Flock(int(k.f.Fd()), syscall.LOCK_UN)
	k.f.Close()
}

// sweep removes what a killed import or removal left: temporary folders,
// a temporary manifest and runs the manifest does not name. Only under
// the lock.
func sweep(dir string, m Manifest) error {
	named := map[string]bool{}
	for _, s := range m.Sets {
		for _, r := range s.Runs {
			named[r.File] = true
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("hash library %s: %w", dir, err)
	}
	for _, e := range ents {
		n := e.Name()
		stale := strings.HasPrefix(n, "tmp-") || n == manifestName+".tmp" ||
			(strings.HasPrefix(n, "run-") && !named[n])
		if !stale {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("hash library %s: remove leftover %s: %w", dir, n, err)
		}
	}
	return nil
}

// Remove takes a set out of the library. Cases that matched it keep its
// provenance and their matches; they only stop matching it.
func Remove(dir, name string) (Set, error) {
	k, err := lockDir(dir)
	if err != nil {
		return Set{}, err
	}
	defer k.unlock()
	m, err := readManifest(dir)
	if err != nil {
		return Set{}, err
	}
	for i, s := range m.Sets {
		if s.HashSet.Name != name {
			continue
		}
		m.Sets = append(m.Sets[:i:i], m.Sets[i+1:]...)
		if err := writeManifest(dir, m); err != nil {
			return s, err
		}
		return s, sweep(dir, m)
	}
	return Set{}, fmt.Errorf("hash library %s has no set named %q", dir, name)
}
