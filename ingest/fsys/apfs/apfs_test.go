package apfs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

// apsbBlock is where the fixture's one volume superblock is (pstat).
const apsbBlock = "107"

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
	return v, walkFS(t, v)
}

func walkFS(t *testing.T, v fsys.FS) map[string]fsys.File {
	t.Helper()
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
	return files
}

func md5Of(t *testing.T, r io.ReaderAt, size int64) string {
	t.Helper()
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func md5Hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// TestAgreesWithTSK: every regular file `fls -B 107` lists is found under
// "/apfs_test" with the same inode and the bytes icat gives; the resource
// fork is a PATH:rsrc file with icat's bytes of its RSRC attribute; free
// space is what pstat counts.
func TestAgreesWithTSK(t *testing.T) {
	need(t, "fls", "sleuthkit")
	img := fsystest.SharedFixture(t, "apfs.raw")
	v, files := walkAll(t, img)
	out, err := exec.Command("fls", "-B", apsbBlock, "-r", "-p", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^r/r (\d+):\t(.*)$`)
	tsk := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			tsk["/apfs_test/"+m[2]] = m[1]
		}
	}
	if len(tsk) < 7 {
		t.Fatalf("fls lists only %d regular files:\n%s", len(tsk), out)
	}
	inodes := map[string]string{}
	for p, i := range tsk {
		inodes[p] = i
	}
	var rsrc int
	for p, f := range files {
		if f.Err != nil {
			t.Errorf("%s: %v", p, f.Err)
			continue
		}
		if base, ok := strings.CutSuffix(p, ":rsrc"); ok {
			rsrc++
			icat, err := exec.Command("icat", "-B", apsbBlock, img, inodes[base]+"-4353-1").Output()
			if err != nil {
				t.Fatalf("icat %s-4353-1: %v", inodes[base], err)
			}
			if got := md5Of(t, f.Content, f.Size); got != md5Hex(icat) || f.Size != int64(len(icat)) {
				t.Errorf("%s: md5 %s, icat's resource fork %s", p, got, md5Hex(icat))
			}
			continue
		}
		ino, ok := tsk[p]
		if !ok {
			t.Errorf("%s found here, not by fls", p)
			continue
		}
		delete(tsk, p)
		if ino != strconv.FormatUint(f.Inode, 10) {
			t.Errorf("%s: inode %d, fls %s", p, f.Inode, ino)
		}
		icat, err := exec.Command("icat", "-B", apsbBlock, img, ino).Output()
		if err != nil && f.Size != 0 {
			// icat fails on a file with no data stream at all.
			t.Fatalf("icat %s: %v", ino, err)
		}
		if int64(len(icat)) != f.Size || md5Of(t, f.Content, f.Size) != md5Hex(icat) {
			t.Errorf("%s: %d bytes md5 %s, icat %d bytes md5 %s", p, f.Size, md5Of(t, f.Content, f.Size), len(icat), md5Hex(icat))
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
		"/apfs_test/passwords.txt":            "39cb097008d17660abd0539891a672af",
		"/apfs_test/a_directory/a_file":       "85bebf486af24792085f769afa46717d",
		"/apfs_test/a_directory/another_file": "d54ff73404ed6041a3bd66850b061bff",
	} {
		if f := files[p]; f.Content == nil || md5Of(t, f.Content, f.Size) != want {
			t.Errorf("%s: not the README's md5 %s", p, want)
		}
	}
	// istat -B 107 apfs.raw 18: Content Modified 2022-01-14 07:19:41.216184416.
	if f := files["/apfs_test/passwords.txt"]; f.Mtime.Format("2006-01-02 15:04:05.000000000") != "2022-01-14 07:19:41.216184416" {
		t.Errorf("passwords.txt mtime %v, istat says 2022-01-14 07:19:41.216184416 UTC", f.Mtime)
	}
	var free int64
	last := int64(-1)
	if err := v.Unallocated(context.Background(), func(off, n int64) error {
		if off <= last {
			t.Errorf("free run at %d after one ending at %d", off, last)
		}
		last = off + n
		free += n
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ps, _ := exec.Command("pstat", img).Output()
	m := regexp.MustCompile(`Number of Free Blocks: (\d+)`).FindSubmatch(ps)
	if m == nil || strconv.FormatInt(free/4096, 10) != string(m[1]) {
		t.Errorf("%d free bytes (%d blocks); pstat: %s", free, free/4096, m)
	}
	if notes := v.Notes(); len(notes) != 0 {
		t.Errorf("notes %q; the fixture's volume has no snapshots", notes)
	}
}

// TestConcurrentReads reads every file from several goroutines at once,
// as the ingest pipeline's hashers do (run under -race).
func TestConcurrentReads(t *testing.T) {
	img := fsystest.SharedFixture(t, "apfs.raw")
	_, files := walkAll(t, img)
	want := map[string]string{}
	for p, f := range files {
		want[p] = md5Of(t, f.Content, f.Size)
	}
	errs := make(chan error, 8*len(files))
	var wg sync.WaitGroup
	for range 8 {
		for p, f := range files {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := io.ReadAll(io.NewSectionReader(f.Content, 0, f.Size))
				if err == nil && md5Hex(b) != want[p] {
					err = fmt.Errorf("%s: md5 %s, first read %s", p, md5Hex(b), want[p])
				}
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
