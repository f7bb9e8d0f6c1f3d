package apfs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

// fixBlock recomputes the object checksum of block n of img, as a tool
// that damages a structure consistently would.
func fixBlock(img []byte, n uint64) {
	b := img[n*4096 : (n+1)*4096]
	le.PutUint64(b, fletcher64(b[8:]))
}

// fixtureLayout opens the fixture and returns it with the blocks of its
// structures: the volume superblock, the filesystem tree root and the
// volume object map's tree root.
func fixtureLayout(t *testing.T) (good []byte, apsb, fsRoot, omapRoot uint64) {
	t.Helper()
	good, err := os.ReadFile(fsystest.SharedFixture(t, "apfs.raw"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := open(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	vol := v.volumes[0]
	if fsRoot, err = vol.omap.lookup(vol.tree.root); err != nil {
		t.Fatal(err)
	}
	return good, vol.block, fsRoot, vol.omap.tree.root
}

// walkErrs opens img and returns the Walk error and the files' errors.
func walkErrs(t *testing.T, img []byte) (files map[string]fsys.File, errs []string, walkErr error) {
	t.Helper()
	v, err := Open(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string]fsys.File{}
	walkErr = v.Walk(context.Background(), func(f fsys.File) error {
		files[f.Path] = f
		if f.Err != nil {
			errs = append(errs, f.Err.Error())
		}
		return nil
	})
	return files, errs, walkErr
}

// TestHostile damages the fixture's structures: each is a clear error
// from Open, Walk or a read, never a panic or a hang.
func TestHostile(t *testing.T) {
	good, apsb, fsRoot, omapRoot := fixtureLayout(t)
	at := func(blk uint64, off int) int { return int(blk)*4096 + off }
	for name, hurt := range map[string]func(b []byte) []byte{
		"zeroed superblock": func(b []byte) []byte { clear(b[:4096]); return b },
		"every superblock's checksum wrong": func(b []byte) []byte {
			for n := 0; n < 9; n += 2 {
				b[at(uint64(n), 0)] ^= 0xff
			}
			return b
		},
		"truncated":          func(b []byte) []byte { return b[:len(b)/3] },
		"truncated mid-tree": func(b []byte) []byte { return b[:at(fsRoot, 100)] },
		"block size 3":       func(b []byte) []byte { le.PutUint32(b[nxBlockSizeAt:], 3); return b },
		"block count huge":   func(b []byte) []byte { le.PutUint64(b[nxBlockCount:], 1<<60); return b },
		"key count absurd": func(b []byte) []byte {
			le.PutUint32(b[at(fsRoot, btnNKeys):], 1<<31)
			fixBlock(b, fsRoot)
			return b
		},
		"table of contents past the node": func(b []byte) []byte {
			le.PutUint16(b[at(fsRoot, btnTableSpace):], 0xfff0)
			fixBlock(b, fsRoot)
			return b
		},
		"fs tree checksum wrong": func(b []byte) []byte { b[at(fsRoot, 100)] ^= 1; return b },
		"fs tree loops":          func(b []byte) []byte { loopNode(b, fsRoot, 0x404); return b },
		"object map loops":       func(b []byte) []byte { loopNode(b, omapRoot, omapRoot); return b },
		"volume superblock not an APSB": func(b []byte) []byte {
			copy(b[at(apsb, 32):], "XXXX")
			fixBlock(b, apsb)
			return b
		},
		"extents past the container": func(b []byte) []byte { extentsPastEnd(b, fsRoot); return b },
	} {
		t.Run(name, func(t *testing.T) {
			fsystest.Exercise(t, Open, hurt(bytes.Clone(good)))
		})
	}
}

// eachEntry calls fn with the key and value of every entry of node blk
// (variable-size entries), as slices of img that fn may change; the
// node's checksum is fixed after.
func eachEntry(img []byte, blk uint64, fn func(key, val []byte)) {
	n := img[blk*4096 : (blk+1)*4096]
	toc := btnData + int(le.Uint16(n[btnTableSpace:]))
	keys := toc + int(le.Uint16(n[btnTableSpace+2:]))
	valEnd := len(n)
	if le.Uint16(n[btnFlags:])&btnodeRoot != 0 {
		valEnd -= btreeInfoSize
	}
	for i := range int(le.Uint32(n[btnNKeys:])) {
		e := n[toc+8*i:]
		ko, kl, vo, vl := int(le.Uint16(e)), int(le.Uint16(e[2:])), int(le.Uint16(e[4:])), int(le.Uint16(e[6:]))
		fn(n[keys+ko:keys+ko+kl], n[valEnd-vo:valEnd-vo+vl])
	}
	fixBlock(img, blk)
}

// extentsPastEnd points every file extent of the filesystem tree's root
// node past the container.
func extentsPastEnd(img []byte, fsRoot uint64) {
	eachEntry(img, fsRoot, func(key, val []byte) {
		if le.Uint64(key)>>objTypeShift == recFileExtent {
			le.PutUint64(val[8:], 1<<40)
		}
	})
}

// loopNode makes node blk an index node whose every child is child: a
// B-tree that points back at itself.
func loopNode(img []byte, blk, child uint64) {
	n := img[blk*4096 : (blk+1)*4096]
	flags := le.Uint16(n[btnFlags:])
	le.PutUint16(n[btnFlags:], flags&^btnodeLeaf)
	le.PutUint16(n[btnLevel:], 1)
	// Every value (in a variable-size node) or the first one (fixed) now
	// holds child.
	nd := &node{b: n, flags: flags &^ btnodeLeaf, nkeys: int(le.Uint32(n[btnNKeys:]))}
	nd.toc = btnData + int(le.Uint16(n[btnTableSpace:]))
	nd.keys = nd.toc + int(le.Uint16(n[btnTableSpace+2:]))
	nd.valEnd = len(n) - btreeInfoSize
	for i := range nd.nkeys {
		var vo int
		if flags&btnodeFixedKV != 0 {
			vo = int(le.Uint16(n[nd.toc+4*i+2:]))
		} else {
			vo = int(le.Uint16(n[nd.toc+8*i+4:]))
			le.PutUint16(n[nd.toc+8*i+6:], 8)
		}
		if vo >= 8 && vo <= nd.valEnd-nd.keys {
			le.PutUint64(n[nd.valEnd-vo:], child)
		}
	}
	fixBlock(img, blk)
}

// TestHostileOutcomes checks what a few kinds of damage say, and that
// what is not damaged is still read.
func TestHostileOutcomes(t *testing.T) {
	good, apsb, fsRoot, omapRoot := fixtureLayout(t)

	t.Run("block 0 checksum wrong: the checkpoint copy is read", func(t *testing.T) {
		b := bytes.Clone(good)
		b[0] ^= 0xff
		files, errs, err := walkErrs(t, b)
		if err != nil || len(errs) != 0 || files["/apfs_test/passwords.txt"].Content == nil {
			t.Errorf("walk %v, errors %q, %d files", err, errs, len(files))
		}
	})
	t.Run("latest checkpoint broken: the one before is read", func(t *testing.T) {
		// Block 0 and block 8 hold transaction 4; block 6 holds 3.
		b := bytes.Clone(good)
		b[0] ^= 0xff
		b[8*4096] ^= 0xff
		v, err := open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if v.c.xid != 3 {
			t.Errorf("transaction %d read, want 3", v.c.xid)
		}
		files := walkFS(t, v)
		if f := files["/apfs_test/passwords.txt"]; f.Err != nil || f.Content == nil {
			t.Errorf("passwords.txt at transaction 3: %+v", f)
		}
	})
	t.Run("extents past the container", func(t *testing.T) {
		b := bytes.Clone(good)
		extentsPastEnd(b, fsRoot)
		files, errs, err := walkErrs(t, b)
		// Six files have data; the resource fork's stream has extents too.
		if err != nil || len(errs) != 7 || !strings.Contains(errs[0], "outside the container's 1014 blocks") {
			t.Errorf("walk %v, errors %q", err, errs)
		}
		if f := files["/apfs_test/a_directory/a_resourcefork"]; f.Err != nil {
			t.Errorf("the empty file beside them: %v", f.Err)
		}
	})
	t.Run("truncated: what is before the end is read, a note says so", func(t *testing.T) {
		b := good[:len(good)/3]
		v, err := open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if f := walkFS(t, v)["/apfs_test/passwords.txt"]; f.Content == nil {
			t.Errorf("passwords.txt, before the cut, not read: %v", f.Err)
		}
		want := "APFS container of 1014 blocks truncated to 338: what lies past the end is missing"
		if notes := v.Notes(); len(notes) != 1 || notes[0] != want {
			t.Errorf("notes %q, want [%q]", notes, want)
		}
		var free int64
		if err := v.Unallocated(context.Background(), func(off, n int64) error {
			if off+n > int64(len(b)) {
				t.Errorf("free run %d+%d past the image's %d bytes", off, n, len(b))
			}
			free += n
			return nil
		}); err != nil {
			t.Error(err)
		}
		if free != (338-110)*4096 {
			t.Errorf("%d free bytes, want blocks 110–337", free)
		}
	})
	t.Run("truncated inside the metadata", func(t *testing.T) {
		b := good[:int(fsRoot)*4096+100]
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err == nil || !strings.Contains(err.Error(), "past the end of the truncated image") {
			t.Errorf("Open: %v", err)
		}
	})
	t.Run("directory entries lost: files found through their inodes", func(t *testing.T) {
		// The entries of passwords.txt and of a_directory become records
		// of an unknown type, as damage would leave them.
		b := bytes.Clone(good)
		eachEntry(b, fsRoot, func(key, val []byte) {
			if le.Uint64(key)>>objTypeShift == recDirRec && (bytes.Contains(key, []byte("passwords.txt")) || bytes.Contains(key, []byte("a_directory"))) {
				le.PutUint64(key, le.Uint64(key)|0xf<<objTypeShift)
			}
		})
		files, errs, err := walkErrs(t, b)
		if err != nil || len(errs) != 0 || len(files) != 8 {
			t.Errorf("walk %v, errors %q, %d files, want the fixture's 8", err, errs, len(files))
		}
		for p, want := range map[string]string{
			"/apfs_test/passwords.txt":      "39cb097008d17660abd0539891a672af",
			"/apfs_test/a_directory/a_file": "85bebf486af24792085f769afa46717d",
		} {
			if f := files[p]; f.Content == nil || md5Of(t, f.Content, f.Size) != want {
				t.Errorf("%s not found through its inode", p)
			}
		}
	})
	t.Run("zeroed superblock", func(t *testing.T) {
		b := bytes.Clone(good)
		clear(b[:4096])
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err == nil || !strings.Contains(err.Error(), "no container superblock") {
			t.Errorf("Open: %v", err)
		}
	})
	t.Run("every superblock's checksum wrong", func(t *testing.T) {
		b := bytes.Clone(good)
		for n := 0; n < 9; n += 2 {
			b[n*4096] ^= 0xff
		}
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err == nil || !strings.Contains(err.Error(), "checksum") {
			t.Errorf("Open: %v", err)
		}
	})
	t.Run("fs tree loops", func(t *testing.T) {
		b := bytes.Clone(good)
		loopNode(b, fsRoot, 0x404)
		_, errs, err := walkErrs(t, b)
		if err != nil || len(errs) != 1 || !strings.Contains(errs[0], "loop") {
			t.Errorf("walk %v, errors %q: want one naming the loop", err, errs)
		}
	})
	t.Run("object map loops", func(t *testing.T) {
		b := bytes.Clone(good)
		loopNode(b, omapRoot, omapRoot)
		_, errs, err := walkErrs(t, b)
		if err != nil || len(errs) != 1 || !strings.Contains(errs[0], "levels") {
			t.Errorf("walk %v, errors %q: want one naming the depth", err, errs)
		}
	})
	t.Run("encrypted volume named, not read", func(t *testing.T) {
		b := bytes.Clone(good)
		f := le.Uint64(b[int(apsb)*4096+apsbFSFlags:])
		le.PutUint64(b[int(apsb)*4096+apsbFSFlags:], f&^fsUnencrypted)
		fixBlock(b, apsb)
		files, errs, err := walkErrs(t, b)
		want := "APFS volume apfs_test is encrypted: not read, the key is needed"
		if err != nil || len(files) != 1 || len(errs) != 1 || errs[0] != want {
			t.Errorf("walk %v, %d files, errors %q; want only %q", err, len(files), errs, want)
		}
	})
	t.Run("a damaged volume does not hide the free space", func(t *testing.T) {
		b := bytes.Clone(good)
		b[int(fsRoot)*4096+100] ^= 1
		v, err := Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Unallocated(context.Background(), func(int64, int64) error { return nil }); err != nil {
			t.Error(err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		v, err := Open(bytes.NewReader(good), int64(len(good)))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := v.Walk(ctx, func(fsys.File) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("walk after cancel: %v", err)
		}
	})
}

// TestEmptyContainer reads a container apfsprogs' mkapfs makes: one
// empty volume, its free space as pstat counts it, and apfsck agrees
// the image is sound (so the reader is checked on a second writer's
// layout).
func TestEmptyContainer(t *testing.T) {
	need(t, "mkapfs", "apfsprogs")
	need(t, "pstat", "sleuthkit")
	p := filepath.Join(t.TempDir(), "empty.apfs")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 128<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkapfs", "-L", "empty_vol", p).CombinedOutput(); err != nil {
		t.Fatalf("mkapfs: %v\n%s", err, out)
	}
	if out, err := exec.Command("apfsck", p).CombinedOutput(); err != nil {
		t.Fatalf("apfsck on mkapfs' own image: %v\n%s", err, out)
	}
	v := fsystest.OpenImage(t, p, Probe, Open).(*FS)
	if files := walkFS(t, v); len(files) != 0 {
		t.Errorf("files in an empty container: %v", files)
	}
	if len(v.volumes) != 1 || v.volumes[0].name != "empty_vol" {
		t.Errorf("volumes %+v, want one named empty_vol", v.volumes)
	}
	var free int64
	if err := v.Unallocated(context.Background(), func(off, n int64) error { free += n; return nil }); err != nil {
		t.Fatal(err)
	}
	ps, _ := exec.Command("pstat", p).Output()
	m := regexp.MustCompile(`Number of Free Blocks: (\d+)`).FindSubmatch(ps)
	if m == nil || strconv.FormatInt(free/4096, 10) != string(m[1]) {
		t.Errorf("%d free blocks; pstat: %s", free/4096, m)
	}
}

// fuzzLayout lists the fixture's block runs that hold anything: the
// superblock and checkpoint area (0–22), the space manager's bitmaps
// (61–64) and the object maps, trees and file data (77–109). A fuzz input
// is those runs back to back; each goes back to its place, zeros
// elsewhere.
var fuzzLayout = []struct{ first, count int }{{0, 23}, {61, 4}, {77, 33}}

func FuzzOpen(f *testing.F) {
	good, err := os.ReadFile(fsystest.SharedFixture(f, "apfs.raw"))
	if err != nil {
		f.Fatal(err)
	}
	var seed []byte
	for _, l := range fuzzLayout {
		seed = append(seed, good[l.first*4096:(l.first+l.count)*4096]...)
	}
	f.Add(seed)
	size := len(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		vol := make([]byte, size)
		for _, l := range fuzzLayout {
			n := copy(vol[l.first*4096:(l.first+l.count)*4096], b)
			b = b[n:]
		}
		fsystest.Exercise(t, Open, vol)
	})
}
