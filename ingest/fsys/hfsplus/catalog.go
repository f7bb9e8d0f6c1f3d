package hfsplus

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"

	"scrim/ingest/fsys"
)

// Catalog record types and the CNIDs every volume has.
const (
	folderRecord       = 1
	fileRecord         = 2
	folderThreadRecord = 3
	rootParentID       = 1
	rootFolderID       = 2

	modeMask    = 0xf000
	modeRegular = 0x8000
	// ownerFlags bit UF_COMPRESSED: the data lives in a decmpfs attribute
	// or in the resource fork.
	ufCompressed = 0x20
)

// FS is one opened HFS+ or HFSX volume.
type FS struct {
	r     io.ReaderAt
	size  int64
	hdr   volumeHeader
	block int64

	extentsTree, catalogTree, attributesTree *btree
	attributesErr                            error
	overflow                                 map[overflowKey][]overflowRecord
}

type overflowKey struct {
	fileID uint32
	kind   byte
}

type overflowRecord struct {
	startBlock uint32
	extents    [8]extent
}

// maxOverflow bounds the extents overflow records held in memory.
const maxOverflow = 4 << 20

// loadOverflow reads the extents overflow B-tree once: forks look their
// later extents up there.
func (v *FS) loadOverflow(ctx context.Context) error {
	v.overflow = map[overflowKey][]overflowRecord{}
	n := 0
	return v.extentsTree.eachLeafRecord(ctx, func(key, data []byte) error {
		if len(key) < 10 || len(data) < 64 {
			return fmt.Errorf("extents overflow record of %d+%d bytes is too short", len(key), len(data))
		}
		if n++; n > maxOverflow {
			return fmt.Errorf("extents overflow B-tree holds more than %d records", maxOverflow)
		}
		k := overflowKey{binary.BigEndian.Uint32(key[2:]), key[0]}
		rec := overflowRecord{startBlock: binary.BigEndian.Uint32(key[6:])}
		for i := range rec.extents {
			rec.extents[i] = extent{binary.BigEndian.Uint32(data[8*i:]), binary.BigEndian.Uint32(data[8*i+4:])}
		}
		v.overflow[k] = append(v.overflow[k], rec)
		return nil
	})
}

// catalogName decodes a catalog key's UTF-16 name. Control characters
// (the private folders' names begin with NULs) show as '^', as The Sleuth
// Kit prints them, and a '/' (stored for ':' typed in the Finder) as ':'.
func catalogName(b []byte) (string, bool) {
	if len(b) < 2 {
		return "", false
	}
	n := int(binary.BigEndian.Uint16(b))
	if 2+2*n > len(b) {
		return "", false
	}
	u := make([]uint16, n)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2+2*i:])
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return '^'
		case r == '/':
			return ':'
		}
		return r
	}, string(utf16.Decode(u))), true
}

// folder is what a path needs of a folder.
type folder struct {
	parent uint32
	name   string
}

// folders reads every folder thread: CNID → parent and name.
func (v *FS) folders(ctx context.Context) (map[uint32]folder, error) {
	out := map[uint32]folder{}
	err := v.catalogTree.eachLeafRecord(ctx, func(key, data []byte) error {
		if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) != folderThreadRecord || len(key) < 4 {
			return nil
		}
		name, ok := catalogName(data[8:])
		if !ok {
			return nil
		}
		out[binary.BigEndian.Uint32(key)] = folder{parent: binary.BigEndian.Uint32(data[4:]), name: name}
		return nil
	})
	return out, err
}

// path builds a folder's path from the root ("" for the root itself);
// a cycle or a missing folder gives a path under "$Orphans".
func path(folders map[uint32]folder, id uint32) string {
	var parts []string
	for seen := 0; id != rootFolderID; seen++ {
		f, ok := folders[id]
		if !ok || seen > 1024 || id == rootParentID {
			return "/$Orphans/" + fmt.Sprint(id) + joinRev(parts)
		}
		parts = append(parts, f.name)
		id = f.parent
	}
	return joinRev(parts)
}

func joinRev(parts []string) string {
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString("/")
		b.WriteString(parts[i])
	}
	return b.String()
}

// Walk reports every regular file: its data fork (decompressed when
// decmpfs-compressed) and, when it has one, its resource fork as
// "PATH:rsrc". Hard links report their target's content and CNID.
func (v *FS) Walk(ctx context.Context, fn func(fsys.File) error) error {
	folders, err := v.folders(ctx)
	if err != nil {
		return err
	}
	// Hard-link targets live in the private folder as files named
	// iNodeN, N being the number a link's record carries.
	targets := map[uint32][]byte{}
	err = v.catalogTree.eachLeafRecord(ctx, func(key, data []byte) error {
		if len(data) < 248 || int16(binary.BigEndian.Uint16(data)) != fileRecord || len(key) < 6 || len(targets) >= 1<<20 {
			return nil
		}
		name, _ := catalogName(key[4:])
		if n, err := strconv.ParseUint(strings.TrimPrefix(name, "iNode"), 10, 32); err == nil && strings.HasPrefix(name, "iNode") {
			targets[uint32(n)] = append([]byte(nil), data[:248]...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return v.catalogTree.eachLeafRecord(ctx, func(key, data []byte) error {
		if len(data) < 2 || int16(binary.BigEndian.Uint16(data)) != fileRecord || len(key) < 6 {
			return nil
		}
		name, ok := catalogName(key[4:])
		if !ok {
			return nil
		}
		p := path(folders, binary.BigEndian.Uint32(key)) + "/" + name
		if len(data) < 248 {
			return fn(fsys.File{Path: p, Err: fmt.Errorf("catalog file record of %d bytes is too short", len(data))})
		}
		return v.emitFile(p, data[:248], targets, fn)
	})
}

// emitFile reports one catalog file record.
func (v *FS) emitFile(p string, rec []byte, targets map[uint32][]byte, fn func(fsys.File) error) error {
	be := binary.BigEndian
	mode := be.Uint16(rec[42:])
	if mode&modeMask != 0 && mode&modeMask != modeRegular {
		return nil // symbolic links, devices, sockets: not files with content
	}
	// A hard link: a file of type 'hlnk', creator 'hfs+', whose
	// permissions' special field names the iNode file holding the data.
	if string(rec[48:52]) == "hlnk" && string(rec[52:56]) == "hfs+" {
		id := be.Uint32(rec[44:])
		t, ok := targets[id]
		if !ok {
			return fn(fsys.File{Path: p, Inode: uint64(id), Err: fmt.Errorf("hard link to iNode%d, which is not in the private folder", id)})
		}
		rec = t
	}
	id := be.Uint32(rec[8:])
	f := fsys.File{Path: p, Inode: uint64(id),
		Btime: hfsTime(be.Uint32(rec[12:])), Mtime: hfsTime(be.Uint32(rec[16:])),
		Ctime: hfsTime(be.Uint32(rec[20:])), Atime: hfsTime(be.Uint32(rec[24:]))}
	data, rsrc := parseFork(rec[88:]), parseFork(rec[168:])
	compressed := rec[41]&ufCompressed != 0
	if compressed {
		f.Size, f.Content, f.Err = v.decompressed(id, rsrc)
	} else {
		f.Size = int64(data.logicalSize)
		fr, err := v.fork(id, dataFork, data)
		if err != nil {
			f.Err = fmt.Errorf("data fork: %w", err)
		} else {
			f.Content = fr
		}
	}
	if f.Err != nil {
		f.Content = nil
	}
	if err := fn(f); err != nil {
		return err
	}
	if compressed || rsrc.logicalSize == 0 {
		return nil // a compressed file's resource fork holds its data, reported above
	}
	r := fsys.File{Path: p + ":rsrc", Inode: f.Inode, Size: int64(rsrc.logicalSize),
		Mtime: f.Mtime, Atime: f.Atime, Ctime: f.Ctime, Btime: f.Btime}
	if fr, err := v.fork(id, resourceFork, rsrc); err != nil {
		r.Err = fmt.Errorf("resource fork: %w", err)
	} else {
		r.Content = fr
	}
	return fn(r)
}
