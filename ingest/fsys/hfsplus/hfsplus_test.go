package hfsplus

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"io"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

func need(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (Debian %s) is missing under CI", tool, pkg)
		}
		t.Skipf("%s not installed (Debian %s)", tool, pkg)
	}
}

// walkAll opens img and returns every file Walk reports, by path.
func walkAll(t *testing.T, img string) (*FS, map[string]fsys.File) {
	t.Helper()
	v := fsystest.OpenImage(t, img, Probe, Open).(*FS)
	files := map[string]fsys.File{}
	if err := v.Walk(context.Background(), func(f fsys.File) error {
		if _, dup := files[f.Path]; dup {
			t.Errorf("%s reported twice", f.Path)
		}
		files[f.Path] = f
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v, files
}

func md5Of(t *testing.T, r io.ReaderAt, size int64) string {
	t.Helper()
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestAgreesWithTSK: every regular file fls lists (system files aside)
// is found at the same path with the same inode and the bytes icat gives;
// every resource fork is a PATH:rsrc file with icat's bytes of its
// resource attribute; free space is what fsstat counts.
func TestAgreesWithTSK(t *testing.T) {
	need(t, "fls", "sleuthkit")
	img := fsystest.SharedFixture(t, "hfsplus.raw")
	v, files := walkAll(t, img)
	out, err := exec.Command("fls", "-r", "-p", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^r/r (\d+):\t(.*)$`)
	tsk := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil || strings.HasPrefix(m[2], "$") {
			continue
		}
		tsk["/"+m[2]] = m[1]
	}
	if len(tsk) < 5 {
		t.Fatalf("fls lists only %d regular files:\n%s", len(tsk), out)
	}
	inodes := maps.Clone(tsk)
	var rsrc int
	for p, f := range files {
		if base, ok := strings.CutSuffix(p, ":rsrc"); ok {
			rsrc++
			icat, err := exec.Command("icat", img, inodes[base]+"-4353").Output()
			if err != nil {
				t.Fatalf("icat %s-4353: %v", inodes[base], err)
			}
			if got := md5Of(t, f.Content, f.Size); got != hex.EncodeToString(md5Sum(icat)) {
				t.Errorf("%s: md5 %s, icat's resource fork %x", p, got, md5Sum(icat))
			}
			continue
		}
		ino, ok := tsk[p]
		if !ok {
			t.Errorf("%s found here, not by fls", p)
			continue
		}
		delete(tsk, p)
		if want := ino; want != strconv.FormatUint(f.Inode, 10) {
			t.Errorf("%s: inode %d, fls %s", p, f.Inode, want)
		}
		if f.Err != nil {
			t.Errorf("%s: %v", p, f.Err)
			continue
		}
		icat, err := exec.Command("icat", img, ino).Output()
		if err != nil {
			t.Fatalf("icat %s: %v", ino, err)
		}
		if int64(len(icat)) != f.Size || md5Of(t, f.Content, f.Size) != hex.EncodeToString(md5Sum(icat)) {
			t.Errorf("%s: %d bytes md5 %s, icat %d bytes md5 %x", p, f.Size, md5Of(t, f.Content, f.Size), len(icat), md5Sum(icat))
		}
	}
	for p := range tsk {
		t.Errorf("fls lists %s, not found here", p)
	}
	if rsrc != 1 {
		t.Errorf("%d resource forks, want 1 (a_directory/a_resourcefork)", rsrc)
	}
	// The fixture's README gives these digests.
	for p, want := range map[string]string{
		"/passwords.txt":            "39cb097008d17660abd0539891a672af",
		"/a_directory/a_file":       "85bebf486af24792085f769afa46717d",
		"/a_directory/another_file": "d54ff73404ed6041a3bd66850b061bff",
	} {
		if f := files[p]; f.Content == nil || md5Of(t, f.Content, f.Size) != want {
			t.Errorf("%s: not the README's md5 %s", p, want)
		}
	}
	if f := files["/passwords.txt"]; f.Mtime.Format("2006-01-02 15:04:05") != "2022-01-14 07:19:42" {
		t.Errorf("passwords.txt mtime %v, istat says 2022-01-14 07:19:42 UTC", f.Mtime)
	}
	var free int64
	if err := v.Unallocated(context.Background(), func(off, n int64) error { free += n; return nil }); err != nil {
		t.Fatal(err)
	}
	fs, _ := exec.Command("fsstat", img).Output()
	m := regexp.MustCompile(`Number of Free Blocks: (\d+)`).FindSubmatch(fs)
	if m == nil || strconv.FormatInt(free/4096, 10) != string(m[1]) {
		t.Errorf("%d free bytes (%d blocks); fsstat: %s", free, free/4096, m)
	}
}

func md5Sum(b []byte) []byte { s := md5.Sum(b); return s[:] }

// TestHostile damages the fixture's structures: each is a clear error
// from Open, Walk or a read, never a panic or a hang.
func TestHostile(t *testing.T) {
	good, err := os.ReadFile(fsystest.SharedFixture(t, "hfsplus.raw"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := open(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	catNode := func(n int64) int64 {
		return int64(v.catalogTree.fork.runs[0].start)*v.block + n*v.catalogTree.nodeSize
	}
	be := binary.BigEndian
	leaf := catNode(int64(v.catalogTree.firstLeaf))
	for name, hurt := range map[string]func(b []byte) []byte{
		"zeroed header":    func(b []byte) []byte { clear(b[1024:1536]); return b },
		"truncated":        func(b []byte) []byte { return b[:len(b)/3] },
		"leaf loops":       func(b []byte) []byte { be.PutUint32(b[leaf:], v.catalogTree.firstLeaf); return b },
		"leaf link absurd": func(b []byte) []byte { be.PutUint32(b[leaf:], 1<<30); return b },
		"node size 3":      func(b []byte) []byte { be.PutUint16(b[catNode(0)+14+18:], 3); return b },
		"records overflow": func(b []byte) []byte { be.PutUint16(b[leaf+10:], 60000); return b },
		"record offsets": func(b []byte) []byte {
			clear(b[leaf+v.catalogTree.nodeSize-64 : leaf+v.catalogTree.nodeSize])
			return b
		},
		"catalog past end":  func(b []byte) []byte { be.PutUint32(b[1024+272+16:], 1<<31); return b },
		"block size 3":      func(b []byte) []byte { be.PutUint32(b[1024+40:], 3); return b },
		"total blocks huge": func(b []byte) []byte { be.PutUint32(b[1024+44:], 1<<31); return b },
		"file fork absurd": func(b []byte) []byte {
			// Every data fork extent in the leaf node points past the volume.
			for i := leaf; i < leaf+v.catalogTree.nodeSize-8; i += 2 {
				if be.Uint16(b[i:]) == fileRecord && i+248 < leaf+v.catalogTree.nodeSize {
					be.PutUint32(b[i+88+16:], 1<<30)
				}
			}
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			fsystest.Exercise(t, Open, hurt(bytes.Clone(good)))
		})
	}
}

// fuzzLayout lists the fixture's block runs that hold structures: the
// volume header, allocation, extents and attributes files (blocks 0–25),
// the catalog (186–193) and the files' data (274–281). A fuzz input is
// those runs back to back; each goes back to its place, zeros elsewhere.
var fuzzLayout = []struct{ first, count int }{{0, 26}, {186, 8}, {274, 8}}

func FuzzOpen(f *testing.F) {
	good, err := os.ReadFile(fsystest.SharedFixture(f, "hfsplus.raw"))
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
