package apfs

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// addSnapshot writes a j_snap_metadata record (snapshot name, xid,
// creation time) into the fixture's empty snapshot metadata tree, a
// one-node physical B-tree at snapTree, as macOS lays one out: the key
// from the start of the key area, the value against the btree_info_t at
// the end, one kvloc entry in the table of contents.
func addSnapshot(img []byte, snapTree uint64, name string, xid uint64, created time.Time) {
	le := binary.LittleEndian
	n := img[snapTree*4096 : (snapTree+1)*4096]
	val := make([]byte, snapName, snapName+len(name)+1)
	le.PutUint64(val[snapCreateTime:], uint64(created.UnixNano()))
	le.PutUint64(val[snapCreateTime+8:], uint64(created.UnixNano()))
	le.PutUint16(val[snapNameLen:], uint16(len(name)+1))
	val = append(append(val, name...), 0)
	toc := btnData + int(le.Uint16(n[btnTableSpace:]))
	keys := toc + int(le.Uint16(n[btnTableSpace+2:]))
	valEnd := len(n) - btreeInfoSize
	le.PutUint64(n[keys:], xid|recSnapMetadata<<objTypeShift)
	copy(n[valEnd-len(val):], val)
	le.PutUint16(n[toc:], 0)
	le.PutUint16(n[toc+2:], 8)
	le.PutUint16(n[toc+4:], uint16(len(val)))
	le.PutUint16(n[toc+6:], uint16(len(val)))
	le.PutUint32(n[btnNKeys:], 1)
	free := le.Uint16(n[btnTableSpace+6:])
	le.PutUint16(n[btnTableSpace+4:], 8)
	le.PutUint16(n[btnTableSpace+6:], free-8-uint16(len(val)))
	info := n[valEnd:]
	le.PutUint32(info[16:], 8)
	le.PutUint32(info[20:], uint32(len(val)))
	le.PutUint64(info[24:], 1)
	le.PutUint64(n, fletcher64(n[8:]))
}

// TestSnapshotsListed: a snapshot in a volume's snapshot metadata tree is
// named in a note, as The Sleuth Kit's fsstat lists it; the walk still
// reads the current state.
func TestSnapshotsListed(t *testing.T) {
	good, _, _, _ := fixtureLayout(t)
	v, err := open(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	img := bytes.Clone(good)
	created := time.Date(2022, 1, 14, 7, 19, 41, 0, time.UTC)
	addSnapshot(img, v.volumes[0].snapTree, "scrim_snap", 3, created)
	v, err = open(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	want := `APFS volume apfs_test: snapshot "scrim_snap" (xid 3, made 2022-01-14T07:19:41Z) listed, not read: the walk reads the current state`
	if notes := v.Notes(); len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q, want [%q]", notes, want)
	}
	if files := walkFS(t, v); files["/apfs_test/passwords.txt"].Content == nil {
		t.Error("passwords.txt not read beside the snapshot")
	}
	need(t, "fsstat", "sleuthkit")
	p := filepath.Join(t.TempDir(), "snap.apfs")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("fsstat", "-B", apsbBlock, p).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\[3\] 2022-01-14 07:19:41\.0+ \(UTC\) scrim_snap`).Match(out) {
		t.Errorf("fsstat does not list the snapshot as written:\n%s", out)
	}
	// A broken snapshot tree is a note too, not a failure of the volume.
	le.PutUint32(img[v.volumes[0].snapTree*4096+btnNKeys:], 1<<30)
	v, err = open(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	if notes := v.Notes(); len(notes) != 1 || !regexp.MustCompile(`snapshot list unreadable: .*checksum`).MatchString(notes[0]) {
		t.Errorf("notes %q, want one saying the snapshot list is unreadable", notes)
	}
}
