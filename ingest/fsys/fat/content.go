package fat

import (
	"errors"
	"fmt"

	"scrim/ingest/fsys/runmap"
)

// run is a stretch of a file's bytes stored contiguously in the volume.
type run = runmap.Run

// addCluster appends cluster c to runs, merging with the previous run when
// contiguous.
func addCluster(runs []run, g *geometry, c uint32, logical int64) []run {
	return runmap.Append(runs, g.clusterOffset(c), g.clusterBytes(), logical)
}

// chainRuns follows an allocated file's FAT chain for the clusters its size
// needs, as TSK's normal mode does. A chain that ends early, loops, or
// leaves the volume is an error: the file is reported, its content is not.
func (fs *FS) chainRuns(start uint32, size int64) ([]run, error) {
	if size == 0 {
		return nil, nil
	}
	g := fs.g
	need := (size + g.clusterBytes() - 1) / g.clusterBytes()
	if need > int64(g.lastClust-1) {
		return nil, fmt.Errorf("size %d needs more clusters than the volume has", size)
	}
	var runs []run
	c := start
	// Brent's cycle detection: a loop is caught within a few times its
	// length, before it can grow the run list.
	mark, power, lam := uint32(0xffffffff), int64(1), int64(0)
	for i := int64(0); i < need; i++ {
		if c == mark {
			return nil, fmt.Errorf("cluster chain loops back to cluster %d after %d of %d clusters", c, i, need)
		}
		if lam++; lam == power {
			mark, power, lam = c, power*2, 0
		}
		switch {
		case c == free:
			return nil, fmt.Errorf("cluster chain ends at a free cluster after %d of %d clusters", i, need)
		case fs.t.isEOF(c):
			return nil, fmt.Errorf("cluster chain ends after %d of %d clusters", i, need)
		case c < 2 || c > g.lastClust:
			return nil, fmt.Errorf("cluster %d outside 2-%d after %d of %d clusters", c, g.lastClust, i, need)
		case g.clusterOffset(c)+g.clusterBytes() > fs.size:
			return nil, fmt.Errorf("cluster %d lies past the end of the %d-byte volume (truncated image?)", c, fs.size)
		}
		runs = addCluster(runs, g, c, i*g.clusterBytes())
		if i+1 < need {
			nx, err := fs.t.next(c)
			if err != nil {
				return nil, err
			}
			c = nx
		}
	}
	if err := runmap.Overlap(runs); err != nil {
		return nil, err
	}
	return runs, nil
}

// errOverwritten marks a deleted file whose clusters now belong to another
// file.
var errOverwritten = errors.New("content overwritten")

// maxSkip is how many allocated clusters recovery steps over at most.
const maxSkip = 1 << 20

// recoverRuns rebuilds a deleted file's content as TSK's recovery mode
// does: from the start cluster onwards, take unallocated clusters (skipping
// allocated ones) until the recorded size is covered. A start cluster that
// is allocated again, or too few free clusters before the end of the
// volume, means the content is gone.
func (fs *FS) recoverRuns(start uint32, size int64) ([]run, error) {
	if size == 0 {
		return nil, nil
	}
	g := fs.g
	if start < 2 || start > g.lastClust {
		return nil, fmt.Errorf("start cluster %d outside 2-%d", start, g.lastClust)
	}
	if a, err := fs.t.allocated(start); err != nil {
		return nil, err
	} else if a {
		return nil, fmt.Errorf("%w: start cluster %d is allocated", errOverwritten, start)
	}
	var runs []run
	var got int64
	// Bound the search for free clusters so that many hostile deleted
	// entries cannot each scan a huge FAT; TSK has no such bound.
	budget := (size+g.clusterBytes()-1)/g.clusterBytes() + maxSkip
	for c := start; got < size; c++ {
		if budget--; budget < 0 || c > g.lastClust || g.clusterSector(c)+g.spc > g.total || g.clusterOffset(c)+g.clusterBytes() > fs.size {
			return nil, fmt.Errorf("%w: too few unallocated clusters after cluster %d", errOverwritten, start)
		}
		a, err := fs.t.allocated(c)
		if err != nil {
			return nil, err
		}
		if a {
			continue
		}
		runs = addCluster(runs, g, c, got)
		got += g.clusterBytes()
	}
	return runs, nil
}
