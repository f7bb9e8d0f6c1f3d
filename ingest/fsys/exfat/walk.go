package exfat

import (
	"context"
	"errors"
	"fmt"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/runmap"
)

const (
	// maxDirBytes is the specification's limit on a directory's size.
	maxDirBytes = 256 << 20
	// maxDepth bounds nesting; deeper paths are damage or a loop.
	maxDepth = 1000
	// maxVisits bounds how often one directory's first cluster is entered:
	// a deleted and a live entry may name the same cluster, but hostile
	// cross-links cannot multiply the walk.
	maxVisits = 4
)

type walker struct {
	fs     *FS
	ctx    context.Context
	fn     func(fsys.File) error
	visits map[uint32]int
}

// Walk reports every regular file in directory order, descending into each
// directory where its entry is (fls -r order). Paths are those fls -r -p
// prints, with a leading "/".
func (fs *FS) Walk(ctx context.Context, fn func(fsys.File) error) error {
	root, err := fs.rootEntries()
	if len(root) == 0 {
		return fmt.Errorf("exfat: root directory at cluster %d: %w", fs.g.rootCluster, err)
	}
	w := &walker{fs: fs, ctx: ctx, fn: fn, visits: map[uint32]int{}}
	return w.dir("", root, []uint32{fs.g.rootCluster})
}

// rootEntries reads the root directory: its FAT chain to the end mark (the
// root has no recorded size). A chain broken part way gives the entries
// before the break and the reason.
func (fs *FS) rootEntries() ([]rawEntry, error) {
	g := fs.g
	var runs []run
	var chainErr error
	c := g.rootCluster
	mark, power, lam := uint32(0), 1, 0
	for n := int64(0); ; n++ {
		if n*g.clusterBytes() >= maxDirBytes {
			chainErr = fmt.Errorf("root directory longer than %d bytes", maxDirBytes)
			break
		}
		if err := fs.inVolume(c, 1); err != nil {
			chainErr = err
			break
		}
		runs = addClusters(runs, g, c, 1, n*g.clusterBytes())
		nx, err := fs.fat.next(c)
		if err != nil {
			chainErr = err
			break
		}
		if nx >= fatEOC || nx == 0 {
			break // 0: a root that was never chained, as on some cameras
		}
		if nx == mark {
			chainErr = fmt.Errorf("root directory chain loops back to cluster %d", nx)
			break
		}
		if lam++; lam == power {
			mark, power, lam = c, power*2, 0
		}
		c = nx
	}
	if err := runmap.Overlap(runs); err != nil {
		return nil, err
	}
	var n int64
	for _, r := range runs {
		n += r.Length
	}
	ents, err := fs.dirEntries(runs, n)
	if err == nil {
		err = chainErr
	}
	if err == nil && len(ents) == 0 {
		err = errors.New("no entries")
	}
	return ents, err
}

// dirEntries reads a directory's bytes and splits them into entries, each
// with its TSK inode and whether its cluster is allocated. A read error
// ends the directory where it happened.
func (fs *FS) dirEntries(runs []run, size int64) ([]rawEntry, error) {
	g := fs.g
	buf := make([]byte, g.bps)
	var out []rawEntry
	for _, rn := range runs {
		for o := int64(0); o < rn.Length && rn.Logical+o < size; o += g.bps {
			off := rn.Volume + o
			if err := readFull(fs.r, buf, off); err != nil {
				return out, fmt.Errorf("reading directory sector at byte %d: %w", off, err)
			}
			c := uint32((off/g.bps-g.heapOffset)/g.spc) + 2
			alloc := fs.bitmap == nil || fs.bitmap.allocated(c)
			for i := int64(0); i < g.bps/32; i++ {
				if buf[i*32] == 0 {
					continue // unused entry
				}
				out = append(out, rawEntry{b: append([]byte(nil), buf[i*32:i*32+32]...), inode: g.inode(off, i), alloc: alloc})
			}
		}
	}
	return out, nil
}

// dir reports a directory's files and descends into its subdirectories in
// entry order.
func (w *walker) dir(path string, ents []rawEntry, anc []uint32) error {
	for _, s := range parseSets(ents) {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		p := path + "/" + s.name
		if !s.isDir {
			if err := w.fn(w.fs.file(p, s)); err != nil {
				return err
			}
			continue
		}
		sub, ok := w.subdir(s, anc)
		if !ok {
			continue
		}
		w.visits[s.first]++
		if err := w.dir(p, sub, append(anc[:len(anc):len(anc)], s.first)); err != nil {
			return err
		}
	}
	return nil
}

// subdir reads a subdirectory's entries: by its chain or contiguous run
// when allocated; when deleted, only while its clusters are free, as a
// deleted file's content is recovered.
func (w *walker) subdir(s entrySet, anc []uint32) ([]rawEntry, bool) {
	fs := w.fs
	if !fs.g.valid(s.first) || len(anc) >= maxDepth || w.visits[s.first] >= maxVisits || s.size == 0 {
		return nil, false
	}
	for _, a := range anc {
		if a == s.first {
			return nil, false // a loop back to an ancestor
		}
	}
	size := min(s.size, maxDirBytes)
	runs, err := fs.runs(s, size)
	if err != nil {
		return nil, false
	}
	ents, _ := fs.dirEntries(runs, size)
	return ents, len(ents) > 0
}

// runs maps size bytes of an entry set's content.
func (fs *FS) runs(s entrySet, size int64) ([]run, error) {
	switch {
	case s.deleted:
		return fs.recoverRuns(s.first, size, s.noChain)
	case s.noChain:
		return fs.contiguousRuns(s.first, size)
	default:
		return fs.chainRuns(s.first, size)
	}
}

// file builds the reported File: timestamps with their UTC offsets
// applied, content by chain or contiguous run, or recovered when deleted.
func (fs *FS) file(path string, s entrySet) fsys.File {
	f := fsys.File{Path: path, Size: s.size, Inode: s.inode, Deleted: s.deleted,
		Mtime: stamp(s.file, modStamp, modInc, modUTC),
		Atime: stamp(s.file, accessStamp, noInc, accessUTC),
		Btime: stamp(s.file, createStamp, createInc, createUTC),
	}
	if s.size == 0 {
		f.Content = &runmap.Reader{R: fs.r, FS: "exfat"}
		return f
	}
	runs, err := fs.runs(s, s.size)
	if err != nil {
		f.Err = fmt.Errorf("exfat: %s (entry %d, cluster %d): %w", path, s.inode, s.first, err)
		return f
	}
	f.Content = &runmap.Reader{R: fs.r, Runs: runs, Size: s.size, Valid: min(s.valid, s.size), FS: "exfat"}
	return f
}
