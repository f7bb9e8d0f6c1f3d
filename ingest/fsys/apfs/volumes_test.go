package apfs

import (
	"bytes"
	"testing"
)

// addVolume gives the fixture's container a second volume named name, as
// a second APSB (a copy of the first, so sharing its trees) at block blk
// with virtual id 0x500, mapped in the container's object map and listed
// in both container superblocks; encrypted clears APFS_FS_UNENCRYPTED.
func addVolume(t *testing.T, img []byte, name string, encrypted bool, blk uint64) {
	t.Helper()
	v, err := open(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	const oid = 0x500
	sb := img[blk*4096 : (blk+1)*4096]
	copy(sb, img[v.volumes[0].block*4096:])
	le.PutUint64(sb[8:], oid)
	clear(sb[apsbVolName : apsbVolName+apsbVolNameLen])
	copy(sb[apsbVolName:], name)
	if encrypted {
		le.PutUint64(sb[apsbFSFlags:], le.Uint64(sb[apsbFSFlags:])&^fsUnencrypted)
	}
	fixBlock(img, blk)
	// The object map's root is one leaf of fixed-size entries: the new
	// one goes after the last, its key and value in the free space.
	root := v.c.omap.tree.root
	n := img[root*4096 : (root+1)*4096]
	if le.Uint16(n[btnFlags:]) != btnodeRoot|btnodeLeaf|btnodeFixedKV {
		t.Fatalf("container object map root is not a single leaf (flags %#x)", le.Uint16(n[btnFlags:]))
	}
	count := int(le.Uint32(n[btnNKeys:]))
	toc := btnData + int(le.Uint16(n[btnTableSpace:]))
	keys := toc + int(le.Uint16(n[btnTableSpace+2:]))
	ko, vo := int(le.Uint16(n[btnTableSpace+4:])), 16
	for i := range count {
		vo = max(vo, int(le.Uint16(n[toc+4*i+2:]))+16)
	}
	le.PutUint16(n[toc+4*count:], uint16(ko))
	le.PutUint16(n[toc+4*count+2:], uint16(vo))
	le.PutUint64(n[keys+ko:], oid)
	le.PutUint64(n[keys+ko+8:], v.c.xid)
	val := n[len(n)-btreeInfoSize-vo:]
	le.PutUint32(val, 0)
	le.PutUint32(val[4:], 4096)
	le.PutUint64(val[8:], blk)
	le.PutUint32(n[btnNKeys:], uint32(count+1))
	fixBlock(img, root)
	for b := uint64(0); b < 9; b += 2 {
		nx := img[b*4096:]
		if string(nx[32:36]) != nxMagic || parseObjHeader(nx).xid != v.c.xid {
			continue
		}
		le.PutUint32(nx[nxMaxFSAt:], 2)
		le.PutUint64(nx[nxFSOIDs+8:], oid)
		fixBlock(img, b)
	}
}

// TestVolumes: every volume of a container is walked under its name; an
// encrypted one is named, not read, and the other is still read.
func TestVolumes(t *testing.T) {
	good, _, _, _ := fixtureLayout(t)
	img := bytes.Clone(good)
	addVolume(t, img, "second", false, 301)
	files, errs, err := walkErrs(t, img)
	if err != nil || len(errs) != 0 || len(files) != 16 {
		t.Fatalf("walk %v, errors %q, %d files, want the fixture's 8 twice", err, errs, len(files))
	}
	for _, p := range []string{"/apfs_test/passwords.txt", "/second/passwords.txt"} {
		if f := files[p]; f.Content == nil || md5Of(t, f.Content, f.Size) != "39cb097008d17660abd0539891a672af" {
			t.Errorf("%s not read", p)
		}
	}
	img = bytes.Clone(good)
	addVolume(t, img, "locked", true, 301)
	files, errs, err = walkErrs(t, img)
	want := "APFS volume locked is encrypted: not read, the key is needed"
	if err != nil || len(files) != 9 || len(errs) != 1 || errs[0] != want || files["/apfs_test/passwords.txt"].Content == nil {
		t.Errorf("walk %v, %d files, errors %q; want the fixture's 8 and %q", err, len(files), errs, want)
	}
	// Two volumes of one name stay apart.
	img = bytes.Clone(good)
	addVolume(t, img, "apfs_test", false, 301)
	if files, _, _ := walkErrs(t, img); files["/apfs_test (2)/passwords.txt"].Content == nil {
		t.Errorf("second apfs_test volume not under its own prefix: %d files", len(files))
	}
}
