package exfat

import (
	"errors"
	"fmt"

	"scrim/ingest/fsys/runmap"
)

// run is a stretch of a file's bytes stored contiguously in the volume.
type run = runmap.Run

// addClusters appends n clusters from c to runs, merging with the previous
// run when contiguous.
func addClusters(runs []run, g *geometry, c uint32, n int64, logical int64) []run {
	return runmap.Append(runs, g.clusterOffset(c), n*g.clusterBytes(), logical)
}

// clustersFor is how many clusters size bytes occupy, or an error when the
// heap cannot hold them.
func (fs *FS) clustersFor(size int64) (int64, error) {
	if size < 0 {
		return 0, fmt.Errorf("negative size %d", size)
	}
	need := (size + fs.g.clusterBytes() - 1) / fs.g.clusterBytes()
	if need > int64(fs.g.clusters) {
		return 0, fmt.Errorf("size %d needs %d clusters; the volume has %d", size, need, fs.g.clusters)
	}
	return need, nil
}

// inVolume checks that clusters [c, c+n) exist and lie inside the image.
func (fs *FS) inVolume(c uint32, n int64) error {
	g := fs.g
	if !g.valid(c) || int64(c)+n-1 > int64(g.lastCluster()) {
		return fmt.Errorf("clusters %d-%d outside 2-%d", c, int64(c)+n-1, g.lastCluster())
	}
	if end := g.clusterOffset(c) + n*g.clusterBytes(); end > fs.size {
		return fmt.Errorf("cluster %d+%d ends at byte %d, past the end of the %d-byte volume (truncated image?)", c, n, end, fs.size)
	}
	return nil
}

// contiguousRuns maps a NoFatChain file: size bytes from cluster first on.
func (fs *FS) contiguousRuns(first uint32, size int64) ([]run, error) {
	need, err := fs.clustersFor(size)
	if err != nil || need == 0 {
		return nil, err
	}
	if err := fs.inVolume(first, need); err != nil {
		return nil, err
	}
	return addClusters(nil, fs.g, first, need, 0), nil
}

// chainRuns follows a FAT chain from first for the clusters size needs. A
// chain that ends early, loops, or leaves the volume is an error.
func (fs *FS) chainRuns(first uint32, size int64) ([]run, error) {
	need, err := fs.clustersFor(size)
	if err != nil || need == 0 {
		return nil, err
	}
	var runs []run
	c := first
	// Brent's cycle detection: a loop is caught within a few times its
	// length, before it can grow the run list.
	mark, power, lam := uint32(0), int64(1), int64(0)
	for i := int64(0); i < need; i++ {
		switch {
		case c == 0:
			return nil, fmt.Errorf("cluster chain reaches a free FAT entry after %d of %d clusters", i, need)
		case c == fatBad:
			return nil, fmt.Errorf("cluster chain reaches a bad cluster after %d of %d clusters", i, need)
		case c >= fatEOC:
			return nil, fmt.Errorf("cluster chain ends after %d of %d clusters", i, need)
		case c == mark:
			return nil, fmt.Errorf("cluster chain loops back to cluster %d after %d of %d clusters", c, i, need)
		}
		if lam++; lam == power {
			mark, power, lam = c, power*2, 0
		}
		if err := fs.inVolume(c, 1); err != nil {
			return nil, fmt.Errorf("after %d of %d clusters: %w", i, need, err)
		}
		runs = addClusters(runs, fs.g, c, 1, i*fs.g.clusterBytes())
		if i+1 < need {
			if c, err = fs.fat.next(c); err != nil {
				return nil, err
			}
		}
	}
	if err := runmap.Overlap(runs); err != nil {
		return nil, err
	}
	return runs, nil
}

// ErrOverwritten marks a deleted file whose clusters are allocated again:
// its content belongs to another file now.
var ErrOverwritten = errors.New("content overwritten")

// maxSkip is how many allocated clusters recovery steps over at most.
const maxSkip = 1 << 20

// recoverRuns rebuilds a deleted file's content. A NoFatChain file was
// contiguous: it is recovered exactly when all its clusters are free, and
// is gone otherwise. A FAT-chained file's chain is freed with it, so, as
// TSK's recovery mode does, the free clusters from its first cluster on are
// taken, stepping over allocated ones: a guess that is right for files that
// were written in one piece.
func (fs *FS) recoverRuns(first uint32, size int64, noFATChain bool) ([]run, error) {
	need, err := fs.clustersFor(size)
	if err != nil || need == 0 {
		return nil, err
	}
	g := fs.g
	if !g.valid(first) {
		return nil, fmt.Errorf("first cluster %d outside 2-%d", first, g.lastCluster())
	}
	if fs.bitmap.allocated(first) {
		return nil, fmt.Errorf("%w: first cluster %d is allocated", ErrOverwritten, first)
	}
	if noFATChain {
		if err := fs.inVolume(first, need); err != nil {
			return nil, err
		}
		if s, n := fs.bitmap.freeRun(first, first+uint32(need)-1); s != first || int64(n) < need {
			return nil, fmt.Errorf("%w: cluster %d of its %d contiguous clusters from %d is allocated", ErrOverwritten, int64(s)+int64(n), need, first)
		}
		return addClusters(nil, g, first, need, 0), nil
	}
	var runs []run
	var got int64
	// Bound the search so that many hostile deleted entries cannot each
	// scan a huge bitmap; TSK has no such bound.
	limit := uint32(min(int64(g.lastCluster()), int64(first)+need+maxSkip))
	for c := first; got < need; {
		s, n := fs.bitmap.freeRun(c, limit)
		if n == 0 {
			return nil, fmt.Errorf("%w: too few free clusters after cluster %d", ErrOverwritten, first)
		}
		take := min(int64(n), need-got)
		if err := fs.inVolume(s, take); err != nil {
			return nil, err
		}
		runs = addClusters(runs, g, s, take, got*g.clusterBytes())
		got += take
		c = s + uint32(take)
	}
	return runs, nil
}
