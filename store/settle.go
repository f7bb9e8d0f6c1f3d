package store

import (
	"context"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// A large ingest outruns Badger's compactors: the 10 M-place read-path
// case closed with every level from 3 down over its target, and the next
// process to open it, a mere `scrim files`, paid for the merges (185
// tables written, 60.3 s against 26.7 s for the same listing once they
// were done). So a process that wrote lets the compactors finish before it
// closes the case: the ingest pays for its own tree, and readers find it
// in shape.

// settleLimit bounds the wait: what is left then is merged by the next
// process that opens the case, as before.
const settleLimit = 10 * time.Minute

// settlePoll is how often the wait looks at the levels; Badger's
// compactors look every 50 ms.
const settlePoll = 100 * time.Millisecond

// settleCompactions waits until no level of the tree is over its target,
// so Badger's compactors would pick nothing, and no merge is under way,
// until limit has passed or until ctx is done. It hands the pages of the
// tables the merges read and write back at each look (trimSettling). It
// reports whether the tree settled.
//
// A merge under way when the levels look in shape would be finished by
// Badger's close, which waits for its compactors; but closing unmaps the
// tables whatever their references, so their pages cannot be dropped
// then, and that merge's inputs, read in full, stayed resident to the
// end: a 10 M-file ingest peaked at 1,344 MiB while closing, 673 MB of it
// 53 tables of one merge. Finished here, its inputs are dropped at every
// look, as during the rest of the wait.
func (s *Store) settleCompactions(ctx context.Context, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if l := s.db.Levels(); !compactionOwed(l) && !mergeUnderWay(l) && s.tablesBeingWritten() == 0 {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		s.trimSettling()
		select {
		case <-ctx.Done():
			return false
		case <-time.After(settlePoll):
		}
	}
}

// compactionOwed tells whether Badger's compactors would merge something:
// level 0 holds its table budget (its worker zero merges it whatever its
// adjusted score), or a level's adjusted score is 1 or more. Badger
// reports scores only for levels over their targets; the last level is
// never among them.
func compactionOwed(levels []badger.LevelInfo) bool {
	for _, l := range levels {
		if l.Level == 0 && l.Score >= 1 || l.Adjusted >= 1 {
			return true
		}
	}
	return false
}

// mergeUnderWay tells whether a merge out of a level is under way: Badger
// leaves the tables a merge reads out of their level's score, so a level
// at or over its target without a score (Badger reports scores of 1 and
// more only) is one a merge is emptying. Merges out of level 0 keep its
// score (it counts tables), and the last level is merged into no other.
func mergeUnderWay(levels []badger.LevelInfo) bool {
	for i, l := range levels {
		if l.Level > 0 && i < len(levels)-1 && l.Score < 1 && l.TargetSize > 0 && l.Size >= l.TargetSize {
			return true
		}
	}
	return false
}
