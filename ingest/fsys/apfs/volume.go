package apfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"scrim/ingest/fsys"
)

// apfs_superblock_t fields this reader uses.
const (
	apsbMagic          = "APSB"
	apsbIncompat       = 56
	apsbRootTreeType   = 116
	apsbOmapOID        = 128
	apsbRootTreeOID    = 136
	apsbSnapMetaTree   = 152
	apsbFSFlags        = 264
	apsbVolName        = 704
	apsbVolNameLen     = 256
	apsbFextTreeOID    = 1032
	apsbFextTreeType   = 1040
	objPhysical        = 0x40000000 // OBJ_PHYSICAL in an object type
	incompatSealed     = 0x20       // APFS_INCOMPAT_SEALED_VOLUME
	fsUnencrypted      = 0x1        // APFS_FS_UNENCRYPTED
	incompatCaseInsens = 0x1        // APFS_INCOMPAT_CASE_INSENSITIVE
	incompatNormInsens = 0x8        // APFS_INCOMPAT_NORMALIZATION_INSENSITIVE
)

// volume is one volume of the container.
type volume struct {
	name      string
	oid       uint64
	block     uint64 // where its superblock is (TSK's -B)
	encrypted bool
	hashed    bool // directory records carry a name hash
	omap      *omap
	tree      *btree
	// A sealed volume (the macOS system volume) keeps its file extents
	// in a separate physical B-tree, not in the filesystem tree.
	fext     *btree
	snapTree uint64
	err      error // why the volume cannot be read
}

// openVolume resolves volume oid through the container's object map and
// reads its superblock, object map and filesystem tree root. A broken
// volume is returned with err set: the other volumes are still read.
func (c *container) openVolume(index int, oid uint64) *volume {
	v := &volume{oid: oid, name: fmt.Sprintf("volume %d", index)}
	var err error
	if v.block, err = c.omap.lookup(oid); err != nil {
		v.err = fmt.Errorf("volume superblock: %w", err)
		return v
	}
	sb, err := c.readObject(v.block, objTypeFS)
	if err != nil {
		v.err = fmt.Errorf("volume superblock: %w", err)
		return v
	}
	if string(sb[32:36]) != apsbMagic {
		v.err = fmt.Errorf("volume superblock at block %d: magic %q, not APSB", v.block, sb[32:36])
		return v
	}
	if name := volumeName(sb[apsbVolName : apsbVolName+apsbVolNameLen]); name != "" {
		v.name = name
	}
	v.encrypted = le.Uint64(sb[apsbFSFlags:])&fsUnencrypted == 0
	v.hashed = le.Uint64(sb[apsbIncompat:])&(incompatCaseInsens|incompatNormInsens) != 0
	v.snapTree = le.Uint64(sb[apsbSnapMetaTree:])
	if v.encrypted {
		return v
	}
	if v.omap, err = c.openOmap(le.Uint64(sb[apsbOmapOID:]), c.xid); err != nil {
		v.err = fmt.Errorf("volume object map: %w", err)
		return v
	}
	if v.tree, err = c.openTree("filesystem", le.Uint64(sb[apsbRootTreeOID:]), v.treeMap(sb, apsbRootTreeType)); err != nil {
		v.err = err
		return v
	}
	if le.Uint64(sb[apsbIncompat:])&incompatSealed != 0 {
		oid := le.Uint64(sb[apsbFextTreeOID:])
		if oid == 0 {
			v.err = errors.New("sealed volume names no file-extent tree")
			return v
		}
		if v.fext, err = c.openTree("file-extent", oid, v.treeMap(sb, apsbFextTreeType)); err != nil {
			v.err = err
		}
	}
	return v
}

// treeMap returns the object map that resolves the ids of the tree whose
// type is at typeAt in the superblock: nil for a physical tree.
func (v *volume) treeMap(sb []byte, typeAt int) *omap {
	if le.Uint32(sb[typeAt:])&objPhysical != 0 {
		return nil
	}
	return v.omap
}

// volumeName decodes the NUL-terminated UTF-8 volume name; a '/' would
// split the paths it prefixes, so it shows as ':'.
func volumeName(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.ReplaceAll(cleanName(string(b)), "/", ":")
}

// FS is one opened APFS container: Walk reports the files of every
// volume under "/VOLUME-NAME/".
type FS struct {
	c       *container
	volumes []*volume
}

// Open reads the container at its latest valid checkpoint and each
// volume's superblock, object map and filesystem tree root.
func Open(r io.ReaderAt, size int64) (fsys.FS, error) {
	v, err := open(r, size)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func open(r io.ReaderAt, size int64) (*FS, error) {
	c, err := openContainer(r, size)
	if err != nil {
		return nil, err
	}
	fs := &FS{c: c}
	names := map[string]int{}
	for i, oid := range c.volumeOIDs() {
		v := c.openVolume(i, oid)
		// Two volumes of one name would mix their files.
		if names[v.name]++; names[v.name] > 1 {
			v.name = fmt.Sprintf("%s (%d)", v.name, names[v.name])
		}
		fs.volumes = append(fs.volumes, v)
	}
	return fs, nil
}

// Type names the filesystem.
func (fs *FS) Type() string { return "apfs" }

// Walk reports every regular file of every readable volume; an encrypted
// or broken volume is one File with Err set.
func (fs *FS) Walk(ctx context.Context, fn func(fsys.File) error) error {
	for _, v := range fs.volumes {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		switch {
		case v.encrypted:
			err = fn(fsys.File{Path: "/" + v.name, Err: fmt.Errorf("APFS volume %s is encrypted: not read, the key is needed", v.name)})
		case v.err != nil:
			err = fn(fsys.File{Path: "/" + v.name, Err: fmt.Errorf("apfs: volume %s (object %d): %w", v.name, v.oid, v.err)})
		default:
			err = fs.walkVolume(ctx, v, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
