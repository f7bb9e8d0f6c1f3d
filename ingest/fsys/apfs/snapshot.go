package apfs

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// j_snap_metadata_val_t: the snapshot's trees and superblock, its times,
// then a length-prefixed name; the key's object id is the snapshot's xid.
const (
	recSnapMetadata = 1
	snapCreateTime  = 16
	snapNameLen     = 48
	snapName        = 50
)

// snapshot is one snapshot of a volume.
type snapshot struct {
	name    string
	xid     uint64
	created time.Time
}

// snapshots lists a volume's snapshots from its snapshot metadata tree
// (a physical B-tree).
func (c *container) snapshots(v *volume) ([]snapshot, error) {
	if v.snapTree == 0 {
		return nil, nil
	}
	t, err := c.openTree("snapshot metadata", v.snapTree, nil)
	if err != nil {
		return nil, err
	}
	var out []snapshot
	err = t.walk(context.Background(), func(key, val []byte) error {
		if len(key) < 8 || le.Uint64(key)>>objTypeShift != recSnapMetadata {
			return nil
		}
		if len(val) < snapName {
			return fmt.Errorf("snapshot record of %d bytes", len(val))
		}
		n := int(le.Uint16(val[snapNameLen:]))
		if snapName+n > len(val) {
			return fmt.Errorf("snapshot name of %d bytes overruns its record", n)
		}
		out = append(out, snapshot{name: cleanName(strings.TrimRight(string(val[snapName:snapName+n]), "\x00")),
			xid: le.Uint64(key) & objIDMask, created: nsTime(le.Uint64(val[snapCreateTime:]))})
		return nil
	})
	return out, err
}

// Notes says what a walk does not show: a truncated container, each
// volume's snapshots (the walk reads the current state only) and
// snapshot lists that could not be read.
func (fs *FS) Notes() []string {
	var notes []string
	if fs.c.declared > 0 {
		notes = append(notes, fmt.Sprintf("APFS container of %d blocks truncated to %d: what lies past the end is missing", fs.c.declared, fs.c.blockCount))
	}
	for _, v := range fs.volumes {
		if v.encrypted || v.err != nil {
			continue
		}
		snaps, err := fs.c.snapshots(v)
		for _, s := range snaps {
			notes = append(notes, fmt.Sprintf("APFS volume %s: snapshot %q (xid %d, made %s) listed, not read: the walk reads the current state",
				v.name, s.name, s.xid, s.created.Format(time.RFC3339)))
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("APFS volume %s: snapshot list unreadable: %v", v.name, err))
		}
	}
	return notes
}
