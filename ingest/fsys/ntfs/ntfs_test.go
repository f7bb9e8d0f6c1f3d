package ntfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

// need skips (or, under CI, fails) when a Debian tool is missing.
func need(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing: apt-get install %s", tool, pkg)
		}
		t.Skipf("%s missing: apt-get install %s", tool, pkg)
	}
}

// fixture builds testdata/mkfixture.sh's volume in a temp dir.
func fixture(t testing.TB, size string) string {
	t.Helper()
	need(t, "mkntfs", "ntfs-3g")
	need(t, "ntfs-3g", "ntfs-3g")
	img := filepath.Join(t.TempDir(), "ntfs.img")
	out, err := exec.Command("sh", "testdata/mkfixture.sh", img, size).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 77 {
		if os.Getenv("CI") != "" {
			t.Fatalf("ntfs-3g FUSE mount unavailable: %s", out)
		}
		t.Skipf("ntfs-3g FUSE mount unavailable (needs /dev/fuse): %s", out)
	}
	if err != nil {
		t.Fatalf("mkfixture: %v\n%s", err, out)
	}
	return img
}

// tskEntry is one regular-file line of `fls -r -p`.
type tskEntry struct {
	addr    string // "71-128-4"
	deleted bool
	realloc bool
}

// flsFiles lists regular files and streams as TSK sees them.
func flsFiles(t *testing.T, img string) map[string]tskEntry {
	need(t, "fls", "sleuthkit")
	out, err := exec.Command("fls", "-r", "-p", img).Output()
	if err != nil {
		t.Fatalf("fls: %v", err)
	}
	files := map[string]tskEntry{}
	for _, line := range strings.Split(string(out), "\n") {
		meta, name, ok := strings.Cut(line, ":\t")
		if !ok {
			continue
		}
		fields := strings.Fields(meta)
		if !strings.HasSuffix(fields[0], "/r") {
			continue
		}
		e := tskEntry{addr: fields[len(fields)-1], deleted: len(fields) == 3 && fields[1] == "*"}
		e.addr, e.realloc = strings.CutSuffix(e.addr, "(realloc)")
		files["/"+name] = e
	}
	return files
}

func md5Reader(t *testing.T, r io.ReaderAt, size int64) string {
	t.Helper()
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		t.Fatalf("read: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func icatMD5(t *testing.T, img, addr string) string {
	out, err := exec.Command("icat", img, addr).Output()
	if err != nil {
		t.Fatalf("icat %s: %v", addr, err)
	}
	s := md5.Sum(out)
	return hex.EncodeToString(s[:])
}

func openImage(t testing.TB, img string) fsys.FS {
	return fsystest.OpenImage(t, img, Probe, Open)
}

func walkAll(t testing.TB, v fsys.FS) map[string]fsys.File {
	got := map[string]fsys.File{}
	err := v.Walk(context.Background(), func(f fsys.File) error {
		if _, dup := got[f.Path]; dup {
			t.Errorf("path twice: %s", f.Path)
		}
		got[f.Path] = f
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got
}

// TestAgainstTSK compares Walk with fls/icat on a volume made by mkntfs and ntfs-3g.
func TestAgainstTSK(t *testing.T) {
	img := fixture(t, "32M")
	v := openImage(t, img)
	if v.Type() != "ntfs" {
		t.Fatalf("Type %q", v.Type())
	}
	got := walkAll(t, v)
	tsk := flsFiles(t, img)
	var live, deleted, intact, reused int
	for p, e := range tsk {
		if systemPath(p) || strings.HasPrefix(p, orphanDir+"/OrphanFile-") {
			continue // metadata files; never-used reserved records 16-23
		}
		f, ok := got[p]
		if !ok {
			t.Errorf("TSK lists %s (%s), Walk does not", p, e.addr)
			continue
		}
		if f.Deleted != e.deleted {
			t.Errorf("%s: Deleted %v, TSK %v", p, f.Deleted, e.deleted)
		}
		if !e.deleted {
			live++
			if f.Err != nil {
				t.Errorf("%s: %v", p, f.Err)
				continue
			}
			want := icatMD5(t, img, e.addr)
			if f.Size != sizeOf(t, img, e.addr) || md5Reader(t, f.Content, f.Size) != want {
				t.Errorf("%s: size %d or MD5 differ from icat %s", p, f.Size, e.addr)
			}
			continue
		}
		deleted++
		if f.Err != nil {
			if !errors.Is(f.Err, errReused) {
				t.Errorf("%s: %v", p, f.Err)
			}
			reused++
			continue
		}
		intact++
		if md5Reader(t, f.Content, f.Size) != icatMD5(t, img, e.addr) {
			t.Errorf("deleted %s: MD5 differs from icat %s", p, e.addr)
		}
	}
	for p := range got {
		if _, ok := tsk[p]; !ok {
			t.Errorf("Walk reports %s, TSK does not", p)
		}
	}
	t.Logf("live %d, deleted %d (intact %d, clusters reused %d)", live, deleted, intact, reused)
	if live < 25 || intact < 3 || reused < 1 {
		t.Errorf("fixture too thin: live %d intact %d reused %d", live, intact, reused)
	}
	for _, p := range []string{"/tiny.txt:Zone.Identifier", "/DCIM/100CANON/IMG_0001.JPG:thumbs", "/gone/sub/deep.jpg", "/Users/bob/café.txt"} {
		if _, ok := got[p]; !ok {
			t.Errorf("missing %s", p)
		}
	}
	if f := got["/DCIM/100CANON/IMG_0001.JPG:thumbs"]; f.Size != 90000 {
		t.Errorf("ADS size %d, want 90000", f.Size)
	}
	checkUnallocated(t, v, img)
}

// sizeOf asks istat for the attribute's size.
func sizeOf(t *testing.T, img, addr string) int64 {
	out, err := exec.Command("icat", img, addr).Output()
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(out))
}

// checkUnallocated: runs are ordered, inside the volume, cluster aligned,
// and blkls (TSK's unallocated extractor) yields the same byte count.
func checkUnallocated(t *testing.T, v fsys.FS, img string) {
	var total, last int64
	err := v.Unallocated(context.Background(), func(off, n int64) error {
		if off < last || n <= 0 || off%4096 != 0 {
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

func TestConcurrentReads(t *testing.T) {
	img := fixture(t, "32M")
	v := openImage(t, img)
	files := walkAll(t, v)
	done := make(chan string, len(files))
	for _, f := range files {
		go func() {
			var b bytes.Buffer
			if f.Content != nil {
				io.Copy(&b, io.NewSectionReader(f.Content, 0, f.Size))
			}
			done <- f.Path
		}()
	}
	for range files {
		<-done
	}
}
