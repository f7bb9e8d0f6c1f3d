package evidence

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newBatchReader(t *testing.T, arena int) *BatchReader {
	t.Helper()
	t.Setenv(NoRingEnv, "")
	b, err := NewBatchReader(arena)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBatchReadsMatchOpens walks a folder tree and reads its files in
// batches, some changed between the walk and the read: a file read is
// exactly its bytes, and every file that changed size, vanished, turned
// into a FIFO or lies in a retired folder is left to Entry.Open. The
// evidence's access times stay as they were and no descriptor is left.
func TestBatchReadsMatchOpens(t *testing.T) {
	root := t.TempDir()
	want := map[string][]byte{}
	for i := range 3*keptFoldersMax + 1 {
		for j := range 7 {
			rel := fmt.Sprintf("/d%02d/f%d", i, j)
			b := bytes.Repeat([]byte{byte(i), byte(j)}, (i*7+j)%40*50)
			want[rel] = b
			p := filepath.Join(root, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC) // relatime would move it
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	changed := map[string]func(p string) error{
		"/d01/f2": os.Remove,
		"/d01/f3": func(p string) error { return os.WriteFile(p, []byte("longer than it was when walked, by far"), 0o644) },
		"/d02/f4": func(p string) error { return os.Truncate(p, 1) },
		"/d03/f5": func(p string) error {
			if err := os.Remove(p); err != nil {
				return err
			}
			return syscall.Mkfifo(p, 0o644)
		},
	}
	before := openDescriptors(t)
	b := newBatchReader(t, 64<<10)
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var all []Entry
	var batch []Entry
	got := map[string][]byte{}
	read := func() {
		ptrs := make([]*Entry, len(batch))
		for k := range batch {
			ptrs[k] = &batch[k]
		}
		err := b.Read(ptrs, func(i int, c []byte) { got[batch[i].Path] = bytes.Clone(c) })
		if err != nil {
			t.Fatal(err)
		}
		all, batch = append(all, batch...), batch[:0]
	}
	err = src.Walk(context.Background(), func(e Entry) error {
		if change := changed[e.Path]; change != nil {
			if err := change(filepath.Join(root, filepath.FromSlash(e.Path))); err != nil {
				return err
			}
		}
		if batch = append(batch, e); len(batch) == 10 {
			read()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]bool{}
	for _, e := range batch {
		last[e.Path] = true
	}
	read() // after the walk: its folders are retired, nothing is batched
	for _, e := range all {
		c, ok := got[e.Path]
		switch {
		case changed[e.Path] != nil && ok:
			t.Errorf("%s changed since the walk, yet batch-read %q", e.Path, c)
		case ok && !bytes.Equal(c, want[e.Path]):
			t.Errorf("%s: batch-read %d bytes, want %d", e.Path, len(c), len(want[e.Path]))
		case ok && last[e.Path]:
			t.Errorf("%s: batch-read in a retired folder", e.Path)
		case !ok && changed[e.Path] == nil && !last[e.Path]:
			t.Errorf("%s (%d bytes) not batch-read", e.Path, len(want[e.Path]))
		}
	}
	if len(got) == 0 {
		t.Fatal("nothing batch-read")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if after := openDescriptors(t); after != before {
		t.Errorf("%d descriptors open after the batches, %d before", after, before)
	}
	for rel := range want {
		if changed[rel] != nil {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(root, filepath.FromSlash(rel)), &st); err != nil {
			t.Fatal(err)
		}
		if st.Atim.Sec != time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Unix() {
			t.Errorf("%s: access time moved to %v", rel, time.Unix(st.Atim.Sec, 0))
		}
	}
}

func TestNoRingEnvRefuses(t *testing.T) {
	t.Setenv(NoRingEnv, "1")
	if b, err := NewBatchReader(1024); err == nil {
		b.Close()
		t.Fatal("NewBatchReader worked with", NoRingEnv, "set")
	}
}
