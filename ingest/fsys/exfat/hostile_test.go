package exfat

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
	"scrim/ingest/fsys/runmap"
)

// tinyScript makes a 256 KiB volume of 512-byte clusters through
// exfat-fuse: a directory with a long name, a picture, a fragmented file
// (A, B, C written, B deleted, then D across B's hole: a FAT chain) and a
// deleted file in the subdirectory (deleted entries in the root's last
// cluster are lost when exfat-fuse frees that cluster). Exit 77 without loop devices or FUSE.
const tinyScript = `set -eu
img=$1 work=$(mktemp -d) loop=
trap 'umount "$work" 2>/dev/null || true; [ -z "$loop" ] || losetup -d "$loop"; rmdir "$work"' EXIT
truncate -s 256K "$img"
mkfs.exfat -L TINY -c 512 -b 4096 "$img" >/dev/null
loop=$(losetup -f --show "$img" 2>/dev/null) || exit 77
mount.exfat-fuse "$loop" "$work" >/dev/null 2>&1 || exit 77
mkdir "$work/a directory with a long name"
head -c 1500 /dev/urandom >"$work/a directory with a long name/picture.jpg"
for f in A B C; do head -c 1024 /dev/urandom >"$work/$f"; sync; done
rm "$work/B"; sync
head -c 3000 /dev/urandom >"$work/D"
head -c 700 /dev/urandom >"$work/a directory with a long name/deleted.jpg"; sync
rm "$work/a directory with a long name/deleted.jpg"
umount "$work"
`

// tinyCard builds tinyScript's volume; without FUSE it skips (or fails
// under CI).
func tinyCard(t testing.TB) []byte {
	t.Helper()
	need(t, "mkfs.exfat", "exfatprogs")
	need(t, "mount.exfat-fuse", "exfat-fuse")
	img := filepath.Join(t.TempDir(), "tiny.img")
	out, err := exec.Command("bash", "-c", tinyScript, "tiny", img).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 77 {
		if os.Getenv("CI") != "" {
			t.Fatalf("loop device or exfat-fuse mount unavailable: %s", out)
		}
		t.Skipf("loop device or exfat-fuse mount unavailable: %s", out)
	}
	if err != nil {
		t.Fatalf("tiny fixture: %v\n%s", err, out)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func open(t testing.TB, vol []byte) (*FS, error) {
	v, err := Open(bytes.NewReader(vol), int64(len(vol)))
	if err != nil {
		return nil, err
	}
	return v.(*FS), nil
}

func files(t testing.TB, v fsys.FS) map[string]fsys.File {
	t.Helper()
	m := map[string]fsys.File{}
	for _, f := range walkAll(t, v) {
		m[f.Path] = f
	}
	return m
}

// entryAt is the byte offset of the directory entry with TSK address ino.
func entryAt(g *geometry, ino uint64) int64 {
	per := uint64(g.bps / 32)
	return (int64((ino-3)/per)+g.heapOffset)*g.bps + int64((ino-3)%per)*32
}

// setFAT writes FAT entry c of the active FAT.
func setFAT(v *FS, vol []byte, c, val uint32) {
	binary.LittleEndian.PutUint32(vol[v.fat.start+int64(c)*4:], val)
}

func TestTinyCardReads(t *testing.T) {
	vol := tinyCard(t)
	v, err := open(t, vol)
	if err != nil {
		t.Fatal(err)
	}
	m := files(t, v)
	for _, p := range []string{"/a directory with a long name/picture.jpg", "/A", "/C", "/D"} {
		if f, ok := m[p]; !ok || f.Err != nil || f.Deleted {
			t.Errorf("%s: %+v", p, f)
		}
	}
	if f := m["/a directory with a long name/deleted.jpg"]; !f.Deleted || f.Err != nil || f.Size != 700 {
		t.Errorf("deleted.jpg: %+v", f)
	}
	if d := m["/D"]; d.Content == nil || len(d.Content.(*runmap.Reader).Runs) < 2 {
		t.Fatalf("D is not fragmented: %+v", d)
	}
}

// TestHostile damages the tiny card in the ways the issue names and checks
// each gives a clear error at Open or on the file concerned, never a panic
// or a hang, and that the rest still reads.
func TestHostile(t *testing.T) {
	base := tinyCard(t)
	v0, err := open(t, base)
	if err != nil {
		t.Fatal(err)
	}
	g := v0.g
	m0 := files(t, v0)
	d := m0["/D"]
	dRuns := d.Content.(*runmap.Reader).Runs
	dFirst := uint32((dRuns[0].Volume/g.bps-g.heapOffset)/g.spc) + 2
	dStream := entryAt(g, d.Inode) + 32

	cases := []struct {
		name    string
		damage  func(vol []byte) []byte
		openErr string // expected in Open's error; "" when Open must succeed
		check   func(*testing.T, map[string]fsys.File)
	}{
		{name: "zeroed main boot sector", damage: func(b []byte) []byte { clear(b[:512]); return b },
			check: func(t *testing.T, m map[string]fsys.File) {
				if f := m["/D"]; f.Err != nil {
					t.Errorf("backup boot region not used: %v", f.Err)
				}
			}},
		{name: "zeroed both boot regions", damage: func(b []byte) []byte { clear(b[:24*512]); return b },
			openErr: "backup boot region"},
		{name: "bad boot checksum", damage: func(b []byte) []byte { b[100] ^= 0xFF; b[12*512+100] ^= 0xFF; return b },
			openErr: "checksum"},
		{name: "truncated in the FAT", damage: func(b []byte) []byte { return b[:int(g.fatOffset*g.bps)+100] },
			openErr: "past the"},
		{name: "truncated in the heap", damage: func(b []byte) []byte { return b[:len(b)-8192] },
			check: func(t *testing.T, m map[string]fsys.File) {
				if len(m) == 0 {
					t.Error("nothing read from a volume cut short at its end")
				}
			}},
		{name: "FAT chain loop", damage: func(b []byte) []byte { setFAT(v0, b, dFirst, dFirst); return b },
			check: func(t *testing.T, m map[string]fsys.File) {
				if f := m["/D"]; f.Err == nil || !strings.Contains(f.Err.Error(), "loops") {
					t.Errorf("D: %v", f.Err)
				}
				if f := m["/C"]; f.Err != nil {
					t.Errorf("C lost with D's loop: %v", f.Err)
				}
			}},
		{name: "FAT chain out of range", damage: func(b []byte) []byte { setFAT(v0, b, dFirst, 0x0FFFFFF0); return b },
			check: func(t *testing.T, m map[string]fsys.File) {
				if f := m["/D"]; f.Err == nil || !strings.Contains(f.Err.Error(), "outside") {
					t.Errorf("D: %v", f.Err)
				}
			}},
		{name: "absurd size", damage: func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[dStream+24:], 1<<62)
			binary.LittleEndian.PutUint64(b[dStream+8:], 1<<62)
			return b
		}, check: func(t *testing.T, m map[string]fsys.File) {
			if f := m["/D"]; f.Err == nil || !strings.Contains(f.Err.Error(), "clusters") {
				t.Errorf("D: %v", f.Err)
			}
		}},
		{name: "first cluster out of range", damage: func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[dStream+20:], 0xFFFFFF00)
			return b
		}, check: func(t *testing.T, m map[string]fsys.File) {
			if f := m["/D"]; f.Err == nil {
				t.Error("D: no error")
			}
		}},
		{name: "directory cycle", damage: func(b []byte) []byte {
			// The subdirectory's stream now points back at the root.
			for off := g.clusterOffset(g.rootCluster); off < g.clusterOffset(g.rootCluster)+g.clusterBytes(); off += 32 {
				if b[off] == typeFile && binary.LittleEndian.Uint16(b[off+4:])&attrDir != 0 {
					binary.LittleEndian.PutUint32(b[off+32+20:], g.rootCluster)
					b[off+33] |= flagNoChain
				}
			}
			return b
		}, check: func(t *testing.T, m map[string]fsys.File) {
			if _, ok := m["/D"]; !ok {
				t.Error("root files lost to the cycle")
			}
			if _, ok := m["/a directory with a long name/D"]; ok {
				t.Error("the cycle was followed")
			}
		}},
		{name: "no allocation bitmap entry", damage: func(b []byte) []byte {
			for off := g.clusterOffset(g.rootCluster); off < g.clusterOffset(g.rootCluster)+g.clusterBytes(); off += 32 {
				if b[off] == typeBitmap {
					b[off] = 0x01
				}
			}
			return b
		}, openErr: "allocation bitmap"},
		{name: "zeroed root directory", damage: func(b []byte) []byte {
			clear(b[g.clusterOffset(g.rootCluster) : g.clusterOffset(g.rootCluster)+g.clusterBytes()])
			return b
		}, openErr: "no entries"},
		{name: "zeroed image", damage: func(b []byte) []byte { return make([]byte, len(b)) }, openErr: "boot"},
		{name: "empty image", damage: func(b []byte) []byte { return nil }, openErr: "boot"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vol := c.damage(bytes.Clone(base))
			fsystest.Exercise(t, Open, vol)
			if c.openErr == "" && !Probe(vol[:min(len(vol), 64<<10)]) {
				t.Error("Probe does not claim a volume Open reads")
			}
			v, err := open(t, vol)
			if c.openErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.openErr) || !strings.HasPrefix(err.Error(), "exfat: ") {
					t.Fatalf("Open: %v; want an error about %q", err, c.openErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if (v.Damage() != nil) != (c.name == "zeroed main boot sector") {
				t.Errorf("Damage: %v", v.Damage())
			}
			m := map[string]fsys.File{}
			if err := v.Walk(context.Background(), func(f fsys.File) error { m[f.Path] = f; return nil }); err != nil {
				t.Fatalf("Walk: %v", err)
			}
			c.check(t, m)
		})
	}
}
