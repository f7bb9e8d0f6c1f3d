package apfs

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/decmpfs"
)

const (
	xattrDecmpfs      = "com.apple.decmpfs"
	xattrResourceFork = "com.apple.ResourceFork"
	// maxRecords bounds the filesystem-tree records held for one volume.
	maxRecords = 1 << 24
	// maxInlineStream bounds an attribute stream read into memory.
	maxInlineStream = 16 << 20
)

// tree holds the records of one volume's filesystem tree a walk needs.
type tree struct {
	inodes   map[uint64]inode
	children map[uint64][]drec
	extents  map[uint64][]fileExtent
	xattrs   map[uint64]map[string]xattr
	bad      []error // records that could not be parsed
}

// readTree reads every record of the filesystem tree. A broken tree
// returns what was read before the damage with the error.
func (v *volume) readTree(ctx context.Context) (*tree, error) {
	t := &tree{inodes: map[uint64]inode{}, children: map[uint64][]drec{},
		extents: map[uint64][]fileExtent{}, xattrs: map[uint64]map[string]xattr{}}
	n := 0
	err := v.tree.walk(ctx, func(key, val []byte) error {
		if len(key) < 8 {
			return fmt.Errorf("filesystem tree key of %d bytes", len(key))
		}
		if n++; n > maxRecords {
			return fmt.Errorf("filesystem tree holds more than %d records", maxRecords)
		}
		id, typ := le.Uint64(key)&objIDMask, le.Uint64(key)>>objTypeShift
		var err error
		switch typ {
		case recInode:
			var in inode
			if in, err = parseInode(val); err == nil {
				t.inodes[id] = in
			}
		case recDirRec:
			var d drec
			if d, err = parseDrec(key, val, v.hashed); err == nil {
				t.children[id] = append(t.children[id], d)
			}
		case recFileExtent:
			if v.fext != nil {
				break // a sealed volume's extents are read from its file-extent tree
			}
			var e fileExtent
			if e, err = parseFileExtent(key, val); err == nil {
				t.extents[id] = append(t.extents[id], e)
			}
		case recXattr:
			var name string
			var x xattr
			if name, x, err = parseXattr(key, val); err == nil && (name == xattrDecmpfs || name == xattrResourceFork) {
				if t.xattrs[id] == nil {
					t.xattrs[id] = map[string]xattr{}
				}
				t.xattrs[id][name] = x
			}
		}
		if err != nil && len(t.bad) < 100 {
			t.bad = append(t.bad, fmt.Errorf("object %d: %w", id, err))
		}
		return nil
	})
	if err != nil || v.fext == nil {
		return t, err
	}
	// fext_tree_key_t (private id, logical offset) → fext_tree_val_t
	// (length and flags, physical block).
	err = v.fext.walk(ctx, func(key, val []byte) error {
		if len(key) < 16 || len(val) < 16 {
			return fmt.Errorf("file-extent tree record of %d+%d bytes", len(key), len(val))
		}
		if n++; n > maxRecords {
			return fmt.Errorf("filesystem and file-extent trees hold more than %d records", maxRecords)
		}
		id := le.Uint64(key)
		e := fileExtent{logical: int64(le.Uint64(key[8:])), length: int64(le.Uint64(val) & (1<<56 - 1)), block: le.Uint64(val[8:])}
		if e.logical < 0 {
			if len(t.bad) < 100 {
				t.bad = append(t.bad, fmt.Errorf("object %d: file extent at logical offset %d", id, e.logical))
			}
			return nil
		}
		t.extents[id] = append(t.extents[id], e)
		return nil
	})
	return t, err
}

// walkVolume reports the files of one volume, from its root directory.
func (fs *FS) walkVolume(ctx context.Context, v *volume, fn func(fsys.File) error) error {
	prefix := "/" + v.name
	t, treeErr := v.readTree(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, err := range t.bad {
		if err := fn(fsys.File{Path: prefix, Err: fmt.Errorf("apfs: volume %s: damaged record: %w", v.name, err)}); err != nil {
			return err
		}
	}
	seen, emitted := map[uint64]bool{}, map[uint64]bool{}
	var dir func(id uint64, path string) error
	dir = func(id uint64, path string) error {
		if seen[id] {
			return nil // a directory reached twice: a loop in damaged records
		}
		seen[id] = true
		for _, d := range t.children[id] {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := path + "/" + d.name
			switch d.typ {
			case dtDir:
				if err := dir(d.id, p); err != nil {
					return err
				}
			case dtReg:
				emitted[d.id] = true
				if err := fs.emitFile(t, d.id, p, fn); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := dir(rootDirID, prefix); err != nil {
		return err
	}
	// A regular file no directory entry reached (its entry lost to
	// damage) is found through its inode record, which keeps its parent
	// and name.
	var orphans []uint64
	for id, in := range t.inodes {
		if in.mode&modeMask == modeRegular && !emitted[id] {
			orphans = append(orphans, id)
		}
	}
	slices.Sort(orphans)
	for _, id := range orphans {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fs.emitFile(t, id, t.inodePath(prefix, id), fn); err != nil {
			return err
		}
	}
	if treeErr != nil {
		// Files found before the damage are reported; the damage is too.
		return fn(fsys.File{Path: prefix, Err: fmt.Errorf("apfs: volume %s: filesystem tree: %w", v.name, treeErr)})
	}
	return nil
}

// inodePath builds a path from inode records' parents and names; a
// chain that does not reach the root gives a path under "$Orphans".
func (t *tree) inodePath(prefix string, id uint64) string {
	var parts []string
	for n := 0; id != rootDirID; n++ {
		in, ok := t.inodes[id]
		if !ok || n > 1024 || in.name == "" {
			return prefix + "/$Orphans/" + strconv.FormatUint(id, 10) + joinRev(parts)
		}
		parts = append(parts, in.name)
		id = in.parent
	}
	return prefix + joinRev(parts)
}

func joinRev(parts []string) string {
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString("/")
		b.WriteString(parts[i])
	}
	return b.String()
}

// emitFile reports one regular file and, when it has one and is not
// compressed into it, its resource fork as "PATH:rsrc".
func (fs *FS) emitFile(t *tree, id uint64, p string, fn func(fsys.File) error) error {
	in, ok := t.inodes[id]
	if !ok {
		return fn(fsys.File{Path: p, Inode: id, Err: fmt.Errorf("apfs: directory entry names inode %d, which has no inode record", id)})
	}
	f := fsys.File{Path: p, Inode: id, Btime: in.btime, Mtime: in.mtime, Ctime: in.ctime, Atime: in.atime}
	xa := t.xattrs[id]
	rsrc, hasRsrc := xa[xattrResourceFork]
	compressed := in.bsdFlags&ufCompressed != 0
	if compressed {
		f.Size, f.Content, f.Err = fs.decompressed(t, xa)
	} else {
		f.Size = in.size
		s, err := fs.c.stream(in.size, t.extents[in.private])
		if err != nil {
			f.Err = fmt.Errorf("apfs: data stream: %w", err)
		} else {
			f.Content = s
		}
	}
	if f.Err != nil {
		f.Content = nil
	}
	if err := fn(f); err != nil {
		return err
	}
	if compressed || !hasRsrc {
		return nil // a compressed file's resource fork holds its data, reported above
	}
	r := fsys.File{Path: p + ":rsrc", Inode: id, Mtime: f.Mtime, Atime: f.Atime, Ctime: f.Ctime, Btime: f.Btime}
	r.Size, r.Content, r.Err = fs.attributeData(t, rsrc)
	if r.Err != nil {
		r.Err, r.Content = fmt.Errorf("apfs: resource fork: %w", r.Err), nil
	}
	return fn(r)
}

// attributeData opens an extended attribute's bytes.
func (fs *FS) attributeData(t *tree, x xattr) (int64, io.ReaderAt, error) {
	if x.stream == 0 {
		return int64(len(x.data)), bytesReader(x.data), nil
	}
	s, err := fs.c.stream(x.size, t.extents[x.stream])
	if err != nil {
		return x.size, nil, err
	}
	return x.size, s, nil
}

// decompressed opens a UF_COMPRESSED file through its decmpfs attribute.
func (fs *FS) decompressed(t *tree, xa map[string]xattr) (int64, io.ReaderAt, error) {
	x, ok := xa[xattrDecmpfs]
	if !ok {
		return 0, nil, fmt.Errorf("apfs: compressed file without a %s attribute", xattrDecmpfs)
	}
	n, r, err := fs.attributeData(t, x)
	if err != nil {
		return 0, nil, fmt.Errorf("apfs: %s attribute: %w", xattrDecmpfs, err)
	}
	if n > maxInlineStream {
		return 0, nil, fmt.Errorf("apfs: %s attribute of %d bytes", xattrDecmpfs, n)
	}
	attr := make([]byte, n)
	if _, err := r.ReadAt(attr, 0); err != nil && err != io.EOF {
		return 0, nil, fmt.Errorf("apfs: %s attribute: %w", xattrDecmpfs, err)
	}
	size, c, err := decmpfs.Open(attr, func() (io.ReaderAt, int64, error) {
		x, ok := xa[xattrResourceFork]
		if !ok {
			return nil, 0, fmt.Errorf("no %s attribute", xattrResourceFork)
		}
		n, r, err := fs.attributeData(t, x)
		return r, n, err
	})
	if err != nil {
		return size, nil, fmt.Errorf("apfs: %w", err)
	}
	return size, c, nil
}
