package apfs

import (
	"bytes"
	"strings"
	"testing"
)

// sealVolume turns the fixture's volume into a sealed one as macOS lays
// out its system volume: the file extents move into a physical
// file-extent tree (one fixed-size leaf node written at block fextBlock),
// and the filesystem tree's own extent records point past the container,
// so only the file-extent tree gives the right bytes.
func sealVolume(img []byte, apsb, fsRoot, fextBlock uint64) {
	var recs [][2][]byte
	eachEntry(img, fsRoot, func(key, val []byte) {
		if le.Uint64(key)>>objTypeShift == recFileExtent {
			k := le.AppendUint64(nil, le.Uint64(key)&objIDMask)
			recs = append(recs, [2][]byte{append(k, key[8:16]...), bytes.Clone(val[:16])})
		}
	})
	extentsPastEnd(img, fsRoot)
	n := img[fextBlock*4096 : (fextBlock+1)*4096]
	clear(n)
	le.PutUint64(n[8:], fextBlock)
	le.PutUint64(n[16:], 4)
	le.PutUint32(n[24:], objTypeBtree|objPhysical)
	le.PutUint32(n[28:], 0x1f) // OBJECT_TYPE_FEXT_TREE
	le.PutUint16(n[btnFlags:], btnodeRoot|btnodeLeaf|btnodeFixedKV)
	le.PutUint32(n[btnNKeys:], uint32(len(recs)))
	le.PutUint16(n[btnTableSpace+2:], uint16(4*len(recs)))
	keys, valEnd := btnData+4*len(recs), len(n)-btreeInfoSize
	for i, r := range recs {
		le.PutUint16(n[btnData+4*i:], uint16(16*i))
		le.PutUint16(n[btnData+4*i+2:], uint16(16*(i+1)))
		copy(n[keys+16*i:], r[0])
		copy(n[valEnd-16*(i+1):], r[1])
	}
	info := n[valEnd:]
	le.PutUint32(info[4:], 4096)
	le.PutUint32(info[8:], 16)
	le.PutUint32(info[12:], 16)
	le.PutUint64(info[24:], uint64(len(recs)))
	le.PutUint64(info[32:], 1)
	fixBlock(img, fextBlock)
	sb := img[apsb*4096:]
	le.PutUint64(sb[apsbIncompat:], le.Uint64(sb[apsbIncompat:])|incompatSealed)
	le.PutUint64(sb[apsbFextTreeOID:], fextBlock)
	le.PutUint32(sb[apsbFextTreeType:], objTypeBtree|objPhysical)
	fixBlock(img, apsb)
}

// TestSealedVolume: a sealed volume's files are read through its
// file-extent tree; one that names none is an error, not files of zeros.
func TestSealedVolume(t *testing.T) {
	good, apsb, fsRoot, _ := fixtureLayout(t)
	want := map[string]string{}
	gv, err := open(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	for p, f := range walkFS(t, gv) {
		want[p] = md5Of(t, f.Content, f.Size)
	}
	img := bytes.Clone(good)
	sealVolume(img, apsb, fsRoot, 300)
	files, errs, err := walkErrs(t, img)
	if err != nil || len(errs) != 0 {
		t.Fatalf("walk %v, errors %q", err, errs)
	}
	for p, md5 := range want {
		if f, ok := files[p]; !ok || md5Of(t, f.Content, f.Size) != md5 {
			t.Errorf("%s: not read through the file-extent tree", p)
		}
	}
	le.PutUint64(img[apsb*4096+apsbFextTreeOID:], 0)
	fixBlock(img, apsb)
	files, errs, err = walkErrs(t, img)
	if err != nil || len(files) != 1 || len(errs) != 1 || !strings.Contains(errs[0], "sealed volume names no file-extent tree") {
		t.Errorf("walk %v, %d files, errors %q", err, len(files), errs)
	}
}
