package fat

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/ingest/fsys"
)

// tskFile is one regular file as fls lists it.
type tskFile struct {
	inode   uint64
	path    string // with a leading "/"
	deleted bool
	size    int64
	atime   int64 // epoch seconds, 0 when none
	mtime   int64
	crtime  int64
}

// fls lists the regular files TSK finds (fls -r -p for names and deleted
// flags, fls -r -m for sizes and times), keyed by inode.
func fls(t testing.TB, img string) []tskFile {
	flsBin := tool(t, "fls", "sleuthkit")
	var files []tskFile
	sc := bufio.NewScanner(bytes.NewReader(runTool(t, flsBin, "-r", "-p", "-o", "0", img)))
	for sc.Scan() {
		line := sc.Text()
		tab := strings.IndexByte(line, '\t')
		if tab < 0 || !strings.HasPrefix(line, "r/r ") || strings.HasSuffix(line, "(Volume Label Entry)") {
			continue
		}
		head, path := line[:tab], line[tab+1:]
		del := strings.Contains(head, "*")
		num := strings.TrimSuffix(strings.Fields(head)[len(strings.Fields(head))-1], ":")
		ino, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			t.Fatalf("fls line %q", line)
		}
		files = append(files, tskFile{inode: ino, path: "/" + path, deleted: del})
	}
	meta := map[uint64][]string{}
	sc = bufio.NewScanner(bytes.NewReader(runTool(t, flsBin, "-r", "-m", "/", "-o", "0", img)))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) < 11 {
			continue
		}
		ino, _ := strconv.ParseUint(strings.SplitN(f[2], "-", 2)[0], 10, 64)
		meta[ino] = f
	}
	for i := range files {
		m := meta[files[i].inode]
		if m == nil {
			t.Fatalf("no fls -m line for inode %d", files[i].inode)
		}
		n := len(m)
		files[i].size, _ = strconv.ParseInt(m[n-5], 10, 64)
		files[i].atime, _ = strconv.ParseInt(m[n-4], 10, 64)
		files[i].mtime, _ = strconv.ParseInt(m[n-3], 10, 64)
		files[i].crtime, _ = strconv.ParseInt(m[n-1], 10, 64)
	}
	return files
}

func epoch(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func walkAll(t testing.TB, img string) (fsys.FS, map[string]fsys.File, []fsys.File) {
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	fs, err := Open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]fsys.File{}
	var all []fsys.File
	err = fs.Walk(context.Background(), func(fl fsys.File) error {
		byPath[fl.Path] = fl
		all = append(all, fl)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fs, byPath, all
}

// TestAgainstTSK builds a FAT12, FAT16 and FAT32 image and checks Walk
// against fls and icat: every allocated file TSK lists, and every deleted
// one whose icat content is a file we wrote, must be in Walk with the same
// path, inode, size, times and MD5; Walk must list nothing TSK does not.
func TestAgainstTSK(t *testing.T) {
	icat := tool(t, "icat", "sleuthkit")
	for _, c := range []struct {
		bits string
		kib  int
		spc  string
	}{{"12", 2048, "2"}, {"16", 16384, "1"}, {"32", 40960, "1"}} {
		t.Run("FAT"+c.bits, func(t *testing.T) {
			fx := makeFixture(t, c.bits, c.kib, c.spc)
			fs, ours, all := walkAll(t, fx.img)
			if fs.Type() != "fat"+c.bits {
				t.Fatalf("Type %q", fs.Type())
			}
			tsk := fls(t, fx.img)
			tskPaths := map[string]bool{}
			var live, recovered, gone int
			for _, tf := range tsk {
				tskPaths[tf.path] = true
				if strings.HasPrefix(tf.path, "/$OrphanFiles/") {
					continue
				}
				got, ok := ours[tf.path]
				if !ok {
					t.Errorf("TSK lists %s (inode %d, deleted %v); Walk does not", tf.path, tf.inode, tf.deleted)
					continue
				}
				want := runTool(t, icat, "-o", "0", fx.img, strconv.FormatUint(tf.inode, 10))
				_, ours := fx.written[md5hex(want)]
				if tf.deleted && !ours {
					// TSK shows bytes that are not the file's; Walk must say
					// the content is gone rather than serve them.
					gone++
					if !got.Deleted || !errors.Is(got.Err, errOverwritten) {
						t.Errorf("%s: clusters reused, but Walk gives deleted %v, err %v", tf.path, got.Deleted, got.Err)
					}
					continue
				}
				if got.Deleted != tf.deleted || got.Inode != tf.inode || got.Size != tf.size {
					t.Errorf("%s: deleted %v inode %d size %d; TSK %v %d %d", tf.path, got.Deleted, got.Inode, got.Size, tf.deleted, tf.inode, tf.size)
				}
				if epoch(got.Mtime) != tf.mtime || epoch(got.Atime) != tf.atime || epoch(got.Btime) != tf.crtime {
					t.Errorf("%s: times m %v a %v b %v; TSK %d %d %d", tf.path, got.Mtime, got.Atime, got.Btime, tf.mtime, tf.atime, tf.crtime)
				}
				if got.Err != nil {
					t.Errorf("%s: %v", tf.path, got.Err)
					continue
				}
				if md5hex(readAll(t, got.Content, got.Size)) != md5hex(want) {
					t.Errorf("%s: content differs from icat", tf.path)
				}
				if tf.deleted {
					recovered++
				} else {
					live++
				}
			}
			for _, f := range all {
				if !tskPaths[f.Path] {
					t.Errorf("Walk lists %s; TSK does not", f.Path)
				}
			}
			t.Logf("%d live and %d recovered deleted files match TSK; %d deleted with overwritten content", live, recovered, gone)
			if recovered < 4 || live < 45 {
				t.Errorf("fixture too thin: %d live, %d recovered", live, recovered)
			}
		})
	}
}
