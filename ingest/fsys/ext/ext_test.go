package ext

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

func need(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing: apt-get install %s", tool, pkg)
		}
		t.Skipf("%s missing: apt-get install %s", tool, pkg)
	}
}

// fixture makes an ext volume of kind (ext2/3/4) from testdata/mktree.sh.
func fixture(t testing.TB, kind, size string) string {
	t.Helper()
	need(t, "mkfs."+kind, "e2fsprogs")
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if out, err := exec.Command("sh", "testdata/mktree.sh", tree).CombinedOutput(); err != nil {
		t.Fatalf("mktree: %v\n%s", err, out)
	}
	img := filepath.Join(dir, kind+".img")
	if out, err := exec.Command("mkfs."+kind, "-q", "-F", "-d", tree, img, size).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.%s: %v\n%s", kind, err, out)
	}
	return img
}

func openImage(t testing.TB, img string) fsys.FS {
	return fsystest.OpenImage(t, img, Probe, Open)
}

func TestAgainstTSK(t *testing.T) {
	need(t, "fls", "sleuthkit")
	for _, kind := range []string{"ext2", "ext3", "ext4"} {
		t.Run(kind, func(t *testing.T) {
			img := fixture(t, kind, "16M")
			v := openImage(t, img)
			if v.Type() != kind {
				t.Errorf("Type %q, want %s", v.Type(), kind)
			}
			got := map[string]fsys.File{}
			err := v.Walk(context.Background(), func(f fsys.File) error {
				got[f.Path] = f
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("fls", "-r", "-p", img).Output()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, line := range strings.Split(string(out), "\n") {
				meta, name, ok := strings.Cut(line, ":\t")
				if !ok || !strings.HasPrefix(meta, "r/r ") || strings.Contains(meta, "*") {
					continue
				}
				addr := strings.Fields(meta)[1]
				n++
				f, ok := got["/"+name]
				if !ok {
					t.Errorf("TSK lists /%s (%s), Walk does not", name, addr)
					continue
				}
				delete(got, "/"+name)
				if f.Err != nil {
					t.Errorf("/%s: %v", name, f.Err)
					continue
				}
				data, err := exec.Command("icat", img, addr).Output()
				if err != nil {
					t.Fatal(err)
				}
				h := md5.New()
				if _, err := io.Copy(h, io.NewSectionReader(f.Content, 0, f.Size)); err != nil {
					t.Errorf("/%s: %v", name, err)
				}
				want := md5.Sum(data)
				if f.Size != int64(len(data)) || hex.EncodeToString(h.Sum(nil)) != hex.EncodeToString(want[:]) {
					t.Errorf("/%s: size %d or MD5 differ from icat (%d bytes)", name, f.Size, len(data))
				}
				if addr != "" && f.Inode == 0 {
					t.Errorf("/%s: no inode", name)
				}
			}
			for p := range got {
				t.Errorf("Walk reports %s, TSK does not", p)
			}
			if n < 125 {
				t.Errorf("only %d files compared", n)
			}
			checkUnallocated(t, v, img)
		})
	}
}

// checkUnallocated compares the free byte count with TSK's blkls.
func checkUnallocated(t *testing.T, v fsys.FS, img string) {
	var total, last int64
	err := v.Unallocated(context.Background(), func(off, n int64) error {
		if off < last || n <= 0 {
			t.Errorf("bad run %d+%d after %d", off, n, last)
		}
		last = off + n
		total += n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("blkls", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != total {
		t.Errorf("unallocated %d bytes, blkls %d", total, len(out))
	}
}
