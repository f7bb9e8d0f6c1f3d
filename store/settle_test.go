package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// A tree left over its targets (written with the compactors off, as an
// ingest that outran them leaves it) is merged into shape by the wait a
// writing process makes before it closes.
func TestSettleCompactionsPaysTheDebt(t *testing.T) {
	dir := t.TempDir()
	small := func(compactors int) badger.Options {
		return badger.DefaultOptions(dir).WithLogger(nil).
			WithMemTableSize(256 << 10).WithNumLevelZeroTables(2).
			WithNumLevelZeroTablesStall(1000).WithBaseTableSize(64 << 10).
			WithBaseLevelSize(256 << 10).WithValueThreshold(100).
			WithNumCompactors(compactors)
	}
	db, err := badger.Open(small(0))
	if err != nil {
		t.Fatal(err)
	}
	for batch := 0; batch < 40; batch++ {
		wb := db.NewWriteBatch()
		for i := 0; i < 2000; i++ {
			k := fmt.Sprintf("place/%08x", (batch*2000+i)*2654435761%(1<<32))
			if err := wb.Set([]byte(k), []byte("a small value")); err != nil {
				t.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = badger.Open(small(2))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !compactionOwed(db.Levels()) {
		t.Fatalf("the tree written without compactors is in shape: %s", db.LevelsToString())
	}
	s := &Store{db: db, dir: dir}
	// Interrupted (an examiner's Ctrl-C), the wait ends at once and the
	// merges are left to the next process.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if s.settleCompactions(cancelled, time.Minute) {
		t.Fatalf("an interrupted wait reported the tree settled: %s", db.LevelsToString())
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("an interrupted wait took %v", waited)
	}
	if !s.settleCompactions(context.Background(), time.Minute) {
		t.Fatalf("the tree did not settle in a minute: %s", db.LevelsToString())
	}
	if l := db.Levels(); compactionOwed(l) || mergeUnderWay(l) {
		t.Fatalf("settled, yet a merge is owed or under way: %s", db.LevelsToString())
	}
}

func TestCompactionOwed(t *testing.T) {
	for _, c := range []struct {
		levels []badger.LevelInfo
		owed   bool
	}{
		{nil, false},
		{[]badger.LevelInfo{{Level: 0, Score: 0.5}, {Level: 6}}, false},
		{[]badger.LevelInfo{{Level: 0, Score: 1, Adjusted: 0.3}}, true}, // level 0 is merged whatever its adjusted score
		{[]badger.LevelInfo{{Level: 4, Score: 1.2, Adjusted: 0.8}, {Level: 5, Score: 1.5, Adjusted: 1.5}}, true},
		{[]badger.LevelInfo{{Level: 4, Score: 1.2, Adjusted: 0.8}}, false}, // waits for the level below
	} {
		if got := compactionOwed(c.levels); got != c.owed {
			t.Errorf("compactionOwed(%+v) = %v, want %v", c.levels, got, c.owed)
		}
	}
}

// A level at or over its target that Badger gives no score is one a merge
// is emptying (its inputs are left out of the score); the levels that look
// in shape then are not settled yet.
func TestMergeUnderWay(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		levels []badger.LevelInfo
		under  bool
	}{
		{nil, false},
		{[]badger.LevelInfo{{Level: 0}, {Level: 5, Size: 9 * mb, TargetSize: 10 * mb}, {Level: 6, Size: 99 * mb, TargetSize: 99 * mb}}, false},
		{[]badger.LevelInfo{{Level: 0}, {Level: 5, Size: 11 * mb, TargetSize: 10 * mb}, {Level: 6, Size: 99 * mb, TargetSize: 99 * mb}}, true},
		// Over its target with a score: owed (compactionOwed's), or
		// waiting for the level below, not under way.
		{[]badger.LevelInfo{{Level: 0}, {Level: 5, Size: 11 * mb, TargetSize: 10 * mb, Score: 1.1, Adjusted: 0.9}, {Level: 6, Size: 99 * mb, TargetSize: 99 * mb}}, false},
		// The last level is merged into no other; level 0 counts tables.
		{[]badger.LevelInfo{{Level: 0, Size: 64 * mb}, {Level: 6, Size: 120 * mb, TargetSize: 99 * mb}}, false},
		// Empty levels above the base level.
		{[]badger.LevelInfo{{Level: 0}, {Level: 1, TargetSize: 10 * mb}, {Level: 6}}, false},
	} {
		if got := mergeUnderWay(c.levels); got != c.under {
			t.Errorf("mergeUnderWay(%+v) = %v, want %v", c.levels, got, c.under)
		}
	}
}
