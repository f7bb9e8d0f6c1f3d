package ntfs

import (
	"fmt"
	"strings"

	"scrim/ingest/fsys"
)

// maxDepth bounds parent-chain resolution (cycles, absurd nesting).
const maxDepth = 128

// orphanDir is where TSK shows deleted records whose parent is gone.
const orphanDir = "/$OrphanFiles"

// walker caches directory paths for one Walk (no state outlives it).
type walker struct {
	v    *FS
	dirs map[int64]*record
	path map[int64]string // resolved directory paths by record number
}

func newWalker(v *FS) *walker {
	return &walker{v: v, dirs: map[int64]*record{}, path: map[int64]string{}}
}

// dir returns the record of a directory, cached.
func (w *walker) dir(id int64) *record {
	if r, ok := w.dirs[id]; ok {
		return r
	}
	var r *record
	if id >= 0 && id < w.v.records {
		r, _ = w.v.readRecord(id)
	}
	if r != nil {
		r.entry = nil // keep the cache small
	}
	w.dirs[id] = r
	return r
}

// parentPath is the path of the directory a name hangs from, or orphanDir
// when the chain does not resolve: the parent is no directory, or its
// sequence number shows it was reused. A deleted parent may have bumped
// its sequence number once when it was freed (Windows and ntfs-3g do).
func (w *walker) parentPath(n fileName, depth int) string {
	if n.parent == rootRecord {
		return ""
	}
	if depth > maxDepth {
		return orphanDir
	}
	p := w.dir(n.parent)
	if p == nil || !p.valid || !p.isDir {
		return orphanDir
	}
	if n.parentSeq != p.seq && (p.inUse || n.parentSeq+1 != p.seq) {
		return orphanDir
	}
	if s, ok := w.path[n.parent]; ok {
		return s
	}
	w.path[n.parent] = orphanDir // breaks cycles while resolving
	pn, ok := p.primaryName()
	s := orphanDir
	if ok {
		s = w.parentPath(pn, depth+1) + "/" + pn.name
	}
	w.path[n.parent] = s
	return s
}

// record turns one MFT record into the files it holds.
func (w *walker) record(id int64) []fsys.File {
	if id < 16 {
		return nil // $MFT ... reserved system records
	}
	rec, err := w.v.readRecord(id)
	if err != nil {
		return []fsys.File{{Path: fmt.Sprintf("%s/OrphanFile-%d", orphanDir, id), Inode: uint64(id), Err: fmt.Errorf("ntfs: MFT record %d: %w", id, err)}}
	}
	if !rec.valid || len(rec.streams) == 0 {
		return nil
	}
	var paths []string
	seen := map[string]bool{}
	long := false
	for _, n := range rec.names {
		long = long || !n.dos
	}
	for _, n := range rec.names {
		if n.dos && long {
			continue
		}
		p := w.parentPath(n, 0) + "/" + n.name
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		paths = []string{fmt.Sprintf("%s/OrphanFile-%d", orphanDir, id)}
	}
	var out []fsys.File
	for _, p := range paths {
		if systemPath(p) {
			continue
		}
		for _, s := range rec.streams {
			if s.name == "" && rec.isDir {
				continue
			}
			f := fsys.File{
				Path: p, Size: s.size, Inode: uint64(id), Deleted: !rec.inUse,
				Mtime: rec.mtime, Atime: rec.atime, Ctime: rec.ctime, Btime: rec.btime,
			}
			if s.name != "" {
				f.Path += ":" + s.name
			}
			f.Content, f.Err = w.v.openStream(rec, s)
			if f.Err != nil {
				f.Err = fmt.Errorf("ntfs: %s (MFT %d): %w", f.Path, id, f.Err)
				f.Content = nil
			}
			if f.Size > w.v.size && f.Err == nil {
				f.Err = fmt.Errorf("ntfs: %s (MFT %d): size %d exceeds the volume", f.Path, id, f.Size)
				f.Content = nil
			}
			f.Size = min(f.Size, w.v.size)
			if f.Size < 0 {
				f.Size = 0
			}
			out = append(out, f)
		}
	}
	return out
}

// systemPath reports NTFS metadata files: names under the root starting
// with "$" ($Extend/$UsnJrnl ...), except TSK's virtual $OrphanFiles.
func systemPath(p string) bool {
	first, _, _ := strings.Cut(p[1:], "/")
	return strings.HasPrefix(first, "$") && first != "$OrphanFiles"
}
