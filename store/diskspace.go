package store

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrDiskFull: the disk holding the case has less free space than a
// writer keeps for the case's merges. What was committed before is kept;
// the writer resumes once space is freed.
var ErrDiskFull = errors.New("too little free space on the case's disk")

// Badger writes its tables and value logs through memory maps, and a page
// the disk cannot hold kills the process with SIGBUS, not an error (a 10 M
// small-file ingest that filled its disk died in a merge's table copy).
// So every commit first checks the space left, and stops with ErrDiskFull
// while a merge can still be paid for: a merge writes its new tables
// before it deletes the old, and the largest (level 0 into the base
// level, whose keys spread all over it) rewrites up to half the tree.

// minFreeDefault is the least free space a writer keeps.
const minFreeDefault = 1 << 30

// spaceGuard is the case's free-space check.
type spaceGuard struct {
	minFree int64       // Options.MinFree, else minFreeDefault
	low     atomic.Bool // a commit was refused: closing merges nothing
}

// reserve is the free space a commit needs: minFree, or half the tree
// plus the memtables when that is more.
func (s *Store) reserve() int64 {
	lsm, _ := s.db.Size()
	return max(s.space.minFree, lsm/2+2*memTableSize)
}

// checkSpace refuses a commit when the case's disk has less free space
// than reserve. Where free space cannot be read, commits go on.
func (s *Store) checkSpace() error {
	free, ok := freeBytes(s.dir)
	if !ok {
		return nil
	}
	if need := s.reserve(); free < need {
		s.space.low.Store(true)
		return fmt.Errorf("case %s: %w: %s free, %s kept free for the case's merges; everything committed so far is kept: free space on that disk (or move the case) and run the same command again to resume",
			s.dir, ErrDiskFull, humanSize(free), humanSize(need))
	}
	return nil
}

// humanSize is n bytes for a person: "812 MB", "1.5 GB".
func humanSize(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%d MB", n/1e6)
	}
	return fmt.Sprintf("%d bytes", n)
}
