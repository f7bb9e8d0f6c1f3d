package exfat

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/ingest/fsys"
	"scrim/ingest/fsys/fsystest"
	"scrim/ingest/fsys/runmap"
)

// kolkata is the UTC offset exfat-card.sh mounts under: every stamp is
// recorded as local time with offset +05:30, which TSK does not apply.
const kolkata = 5*3600 + 30*60

func tskEpoch(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix() + kolkata
}

// sameSecond compares a timestamp with a 10 ms increment to TSK's: TSK
// 4.11 drops the whole second an increment of 100-199 adds, which the
// specification counts (2-second stamps need it for odd seconds).
func sameSecond(ours time.Time, tsk int64) bool {
	d := tskEpoch(ours) - tsk
	return d == 0 || d == 1 && ours.Unix()%2 == 1
}

// TestAgainstTSK builds the exFAT card fixture and checks Walk against fls
// and icat: every file TSK lists, allocated and deleted, is in Walk with the
// same path, inode, deleted flag and size, with times TSK prints as local
// wall-clock (ours plus the recorded +05:30), and with icat's content —
// except deleted files whose clusters were reused, where icat serves
// another file's bytes and Walk must say ErrOverwritten instead. Walk lists
// nothing TSK does not.
func TestAgainstTSK(t *testing.T) {
	icat := need(t, "icat", "sleuthkit")
	img, src, deleted := card(t, "")
	v := openFile(t, img)
	if v.Type() != "exfat" || v.Label() != "SCRIMCARD" {
		t.Fatalf("type %q label %q", v.Type(), v.Label())
	}
	// fsstat names the label it finds in the root directory.
	fsstat := string(runTool(t, need(t, "fsstat", "sleuthkit"), img))
	if !strings.Contains(fsstat, "Volume Label (from root directory): "+v.Label()+"\n") {
		t.Errorf("label %q; fsstat says:\n%s", v.Label(), fsstat)
	}
	all := walkAll(t, v)
	ours := map[string]fsys.File{}
	for _, f := range all {
		if _, dup := ours[f.Path]; dup {
			t.Errorf("Walk lists %s twice", f.Path)
		}
		ours[f.Path] = f
	}
	written := map[string]bool{}
	filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			written[md5hex(b)] = true
		}
		return nil
	})
	tsk := fsystest.FLS(t, img)
	tskPaths := map[string]bool{}
	var live, recovered, gone int
	for _, tf := range tsk {
		tskPaths[tf.Path] = true
		got, ok := ours[tf.Path]
		if !ok {
			t.Errorf("TSK lists %s (inode %d, deleted %v); Walk does not", tf.Path, tf.Inode, tf.Deleted)
			continue
		}
		if got.Deleted != tf.Deleted || got.Inode != tf.Inode || got.Size != tf.Size {
			t.Errorf("%s: deleted %v inode %d size %d; TSK %v %d %d", tf.Path, got.Deleted, got.Inode, got.Size, tf.Deleted, tf.Inode, tf.Size)
		}
		if !sameSecond(got.Mtime, tf.Mtime) || tskEpoch(got.Atime) != tf.Atime || !sameSecond(got.Btime, tf.Crtime) {
			t.Errorf("%s: times m %v a %v b %v; TSK (local +05:30) %d %d %d", tf.Path, got.Mtime, got.Atime, got.Btime, tf.Mtime, tf.Atime, tf.Crtime)
		}
		want := runTool(t, icat, img, strconv.FormatUint(tf.Inode, 10))
		if tf.Deleted && !written[md5hex(want)] {
			gone++
			if !errors.Is(got.Err, ErrOverwritten) {
				t.Errorf("%s: clusters reused (icat gives other bytes), but Walk gives err %v", tf.Path, got.Err)
			}
			continue
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
	t.Logf("%d live and %d recovered deleted files match TSK; %d deleted with overwritten content; script deleted %d", live, recovered, gone, len(deleted))
	if live < 25 || recovered < 6 || gone < 1 {
		t.Errorf("fixture too thin: %d live, %d recovered, %d overwritten", live, recovered, gone)
	}

	// The UTC offset is applied: the instant touch set, not the local clock.
	if got, want := ours["/known-time.jpg"].Mtime, time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("known-time.jpg mtime %v, want %v", got, want)
	}
	// frag/D was written into frag/B's hole and beyond: its chain has more
	// than one run, and it reads back as written.
	if d := ours["/frag/D"]; d.Content == nil || len(d.Content.(*runmap.Reader).Runs) < 2 {
		t.Errorf("frag/D is not fragmented: %+v", d)
	}
	// frag/E was FAT-chained across frag/R's clusters and deleted: the
	// chain is gone, and recovery steps over R's allocated clusters as TSK
	// does, which for E gives back what was written.
	if e := ours["/frag/E"]; !e.Deleted || e.Err != nil || e.Content == nil || len(e.Content.(*runmap.Reader).Runs) < 2 {
		t.Errorf("frag/E not recovered across an allocated gap: %+v", e)
	} else if b, _ := os.ReadFile(filepath.Join(src, "frag", "E")); md5hex(readAll(t, e.Content, e.Size)) != md5hex(b) {
		t.Error("frag/E recovered with other bytes than written")
	}
	for _, p := range deleted {
		if f, ok := ours["/"+p]; ok && !f.Deleted {
			t.Errorf("%s was deleted but Walk says allocated", p)
		}
	}
}

// TestUnallocatedMatchesBitmap: free runs never overlap a live file's
// clusters, and every recovered deleted file lies inside them (that is
// where the carver looks).
func TestUnallocatedMatchesBitmap(t *testing.T) {
	img, _, _ := card(t, "")
	v := openFile(t, img)
	type span struct{ off, n int64 }
	var free []span
	var prevEnd int64
	if err := v.Unallocated(context.Background(), func(off, n int64) error {
		if off < prevEnd || n <= 0 || off%clusterSize != 0 {
			t.Errorf("run %d+%d after %d", off, n, prevEnd)
		}
		prevEnd = off + n
		free = append(free, span{off, n})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inFree := func(off, n int64) bool {
		for _, s := range free {
			if off >= s.off && off+n <= s.off+s.n {
				return true
			}
		}
		return false
	}
	overlapsFree := func(off, n int64) bool {
		for _, s := range free {
			if off < s.off+s.n && s.off < off+n {
				return true
			}
		}
		return false
	}
	var total int64
	for _, s := range free {
		total += s.n
	}
	if total < 1<<20 {
		t.Fatalf("only %d free bytes on a 24 MiB card", total)
	}
	var checked int
	for _, f := range walkAll(t, v) {
		if f.Content == nil {
			continue
		}
		for _, r := range f.Content.(*runmap.Reader).Runs {
			switch {
			case f.Deleted && !inFree(r.Volume, r.Length):
				t.Errorf("deleted %s: run %d+%d not in unallocated space", f.Path, r.Volume, r.Length)
			case !f.Deleted && overlapsFree(r.Volume, r.Length):
				t.Errorf("%s: run %d+%d overlaps unallocated space", f.Path, r.Volume, r.Length)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d runs checked", checked)
	}
}
