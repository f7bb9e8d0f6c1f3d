package fat

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/runmap"
)

const (
	// maxDirBytes is the FAT limit of 65536 entries per directory; longer
	// chains are damage.
	maxDirBytes = 65536 * 32
	// maxDepth bounds nesting; deeper paths in FAT are damage or a loop.
	maxDepth = 1000
	// maxVisits bounds how often one directory cluster is entered: twice
	// deleted entries for one cluster are listed under both names, as TSK
	// does, but hostile cross-links cannot multiply the walk.
	maxVisits = 4
)

// dirSect is one sector of a directory and whether its cluster is in use:
// entries in free clusters are deleted whatever their first byte says.
type dirSect struct {
	sect  int64
	alloc bool
}

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
	w := &walker{fs: fs, ctx: ctx, fn: fn, visits: map[uint32]int{}}
	g := fs.g
	var sects []dirSect
	var anc []uint32
	if g.kind == "fat32" {
		var err error
		sects, err = fs.chainSects(g.rootClust)
		if err != nil && len(sects) == 0 {
			return fmt.Errorf("fat: root directory cluster %d: %w", g.rootClust, err)
		}
		anc = []uint32{g.rootClust}
	} else {
		for s := g.firstData; s < g.firstClust; s++ {
			sects = append(sects, dirSect{s, true})
		}
	}
	return w.dir("", sects, anc)
}

// chainSects lists the sectors of an allocated directory: its FAT chain up
// to an end mark, a free or out-of-range cluster, a repeat, or the size
// limit. err says why the chain stopped early, if it did.
func (fs *FS) chainSects(start uint32) ([]dirSect, error) {
	g := fs.g
	var out []dirSect
	seen := map[uint32]bool{}
	for c := start; ; {
		if c < 2 || c > g.lastClust {
			return out, fmt.Errorf("cluster %d outside 2-%d", c, g.lastClust)
		}
		if seen[c] {
			return out, fmt.Errorf("cluster chain loops back to %d", c)
		}
		if int64(len(out))*g.bps >= maxDirBytes {
			return out, fmt.Errorf("directory longer than %d bytes", maxDirBytes)
		}
		seen[c] = true
		nx, err := fs.t.next(c)
		if err != nil {
			return out, err
		}
		for s := range g.spc {
			out = append(out, dirSect{g.clusterSector(c) + s, nx != free})
		}
		if nx == free || fs.t.isEOF(nx) {
			return out, nil
		}
		c = nx
	}
}

// dir parses one directory's sectors (TSK parses the whole directory before
// acting on it), then reports its files and descends into its
// subdirectories in entry order.
func (w *walker) dir(path string, sects []dirSect, anc []uint32) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	ents := w.fs.parseDir(sects)
	for _, e := range ents {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		p := path + "/" + e.name
		if !e.isDir {
			if err := w.fn(w.fs.file(p, e)); err != nil {
				return err
			}
			continue
		}
		sub, ok := w.subdir(e, anc)
		if !ok {
			continue
		}
		w.visits[e.cluster]++
		if err := w.dir(p, sub, append(anc[:len(anc):len(anc)], e.cluster)); err != nil {
			return err
		}
	}
	return nil
}

// subdir finds the sectors of a subdirectory: its chain when allocated; for
// a deleted one its first cluster only, and only while that cluster is free
// (TSK sizes deleted directories the same way).
func (w *walker) subdir(e dirent, anc []uint32) ([]dirSect, bool) {
	fs, c := w.fs, e.cluster
	if c < 2 || c > fs.g.lastClust || len(anc) >= maxDepth || w.visits[c] >= maxVisits {
		return nil, false
	}
	for _, a := range anc {
		if a == c {
			return nil, false // a loop back to an ancestor
		}
	}
	if !e.deleted {
		s, _ := fs.chainSects(c)
		return s, len(s) > 0
	}
	if a, err := fs.t.allocated(c); err != nil || a {
		return nil, false
	}
	s := make([]dirSect, fs.g.spc)
	for i := range s {
		s[i] = dirSect{fs.g.clusterSector(c) + int64(i), false}
	}
	return s, true
}

// parseDir is TSK's fatxxfs_dent_parse_buf over a whole directory. A
// sector that cannot be read ends the directory.
func (fs *FS) parseDir(sects []dirSect) []dirent {
	g := fs.g
	var ents []dirent
	var lfn lfnBuf
	lfn.reset()
	seen, invalid, corrupt := 0, 0, false
	buf := make([]byte, g.bps)
	for _, s := range sects {
		if err := readFull(fs.r, buf, s.sect*g.bps); err != nil {
			break
		}
		for idx := int64(0); idx < g.bps/32; idx++ {
			e := buf[idx*32 : idx*32+32]
			seen++
			if !fs.isDentry(e, !corrupt && s.alloc) {
				invalid++
				if seen == 4 && invalid == 4 {
					corrupt = true
				}
				continue
			}
			attr := e[11]
			if attr&attrLFN == attrLFN {
				lfn.add(e)
				continue
			}
			if attr&attrVolume != 0 {
				continue // the volume label is not a file
			}
			deleted := !s.alloc || e[0] == slotDeleted
			name := shortName(e)
			if lfn.pending() {
				// A live entry must match its long name's checksum; a deleted
				// one cannot be checked (its first byte is gone), and TSK
				// takes the long name as it is.
				ok := deleted || lfn.chk == lfnChecksum(e)
				long := lfn.takeName()
				if ok {
					name = long
				}
			}
			if name == "." || name == ".." {
				continue
			}
			ents = append(ents, dirent{
				name:    name,
				isDir:   attr&attrDir != 0,
				deleted: deleted,
				inode:   g.inode(s.sect, idx),
				cluster: fs.entryCluster(e),
				size:    int64(binary.LittleEndian.Uint32(e[28:])),
				raw:     append([]byte(nil), e...),
			})
		}
	}
	return ents
}

// file builds the reported File: content by FAT chain for live entries, by
// TSK-style recovery for deleted ones.
func (fs *FS) file(path string, e dirent) fsys.File {
	f := fsys.File{Path: path, Size: e.size, Inode: e.inode, Deleted: e.deleted}
	u16 := func(o int) uint16 { return binary.LittleEndian.Uint16(e.raw[o:]) }
	f.Mtime = dosTime(u16(24), u16(22), 0)
	f.Atime = dosTime(u16(18), 0, 0)
	f.Btime = dosTime(u16(16), u16(14), e.raw[13])
	var runs []run
	var err error
	if e.deleted {
		runs, err = fs.recoverRuns(e.cluster, e.size)
	} else {
		runs, err = fs.chainRuns(e.cluster, e.size)
	}
	if err != nil {
		f.Err = fmt.Errorf("fat: %s cluster %d: %w", path, e.cluster, err)
		return f
	}
	f.Content = &runmap.Reader{R: fs.r, Runs: runs, Size: e.size, Valid: e.size, FS: "fat"}
	return f
}

// dosTime converts a FAT date and time. FAT stores local time without a
// zone; like TSK run with TZ=UTC, the wall-clock value is taken as UTC. An
// invalid date gives the zero time (TSK prints 0000-00-00).
func dosTime(date, tm uint16, tenths byte) time.Time {
	if !isDate(date) {
		return time.Time{}
	}
	sec := int(tm&0x1f)*2 + int(tenths)/100
	nsec := int(tenths%100) * 10_000_000
	return time.Date(1980+int(date>>9), time.Month(date>>5&0x0f), int(date&0x1f),
		int(tm>>11), int(tm>>5&0x3f), sec, nsec, time.UTC)
}
