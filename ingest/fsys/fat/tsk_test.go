package fat

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
)

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
			tsk := fsystest.FLS(t, fx.img)
			tskPaths := map[string]bool{}
			var live, recovered, gone int
			for _, tf := range tsk {
				tskPaths[tf.Path] = true
				if strings.HasPrefix(tf.Path, "/$OrphanFiles/") {
					continue
				}
				got, ok := ours[tf.Path]
				if !ok {
					t.Errorf("TSK lists %s (inode %d, deleted %v); Walk does not", tf.Path, tf.Inode, tf.Deleted)
					continue
				}
				want := runTool(t, icat, "-o", "0", fx.img, strconv.FormatUint(tf.Inode, 10))
				_, ours := fx.written[md5hex(want)]
				if tf.Deleted && !ours {
					// TSK shows bytes that are not the file's; Walk must say
					// the content is gone rather than serve them.
					gone++
					if !got.Deleted || !errors.Is(got.Err, errOverwritten) {
						t.Errorf("%s: clusters reused, but Walk gives deleted %v, err %v", tf.Path, got.Deleted, got.Err)
					}
					continue
				}
				if got.Deleted != tf.Deleted || got.Inode != tf.Inode || got.Size != tf.Size {
					t.Errorf("%s: deleted %v inode %d size %d; TSK %v %d %d", tf.Path, got.Deleted, got.Inode, got.Size, tf.Deleted, tf.Inode, tf.Size)
				}
				if epoch(got.Mtime) != tf.Mtime || epoch(got.Atime) != tf.Atime || epoch(got.Btime) != tf.Crtime {
					t.Errorf("%s: times m %v a %v b %v; TSK %d %d %d", tf.Path, got.Mtime, got.Atime, got.Btime, tf.Mtime, tf.Atime, tf.Crtime)
				}
				if got.Err != nil {
					t.Errorf("%s: %v", tf.Path, got.Err)
					continue
				}
				if md5hex(readAll(t, got.Content, got.Size)) != md5hex(want) {
					t.Errorf("%s: content differs from icat", tf.Path)
				}
				if tf.Deleted {
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
