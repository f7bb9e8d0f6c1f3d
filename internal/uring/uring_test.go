package uring

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestLayoutMatchesKernel(t *testing.T) {
	if s := unsafe.Sizeof(sqe{}); s != 64 {
		t.Errorf("sqe is %d bytes, want 64", s)
	}
	if s := unsafe.Sizeof(cqe{}); s != 16 {
		t.Errorf("cqe is %d bytes, want 16", s)
	}
	if s := unsafe.Sizeof(params{}); s != 120 {
		t.Errorf("params is %d bytes, want 120", s)
	}
	if o := unsafe.Offsetof(sqe{}.fileIndex); o != 44 {
		t.Errorf("sqe.fileIndex at %d, want 44", o)
	}
}

// newRing skips where the kernel refuses io_uring: the callers fall back.
func newRing(t *testing.T, entries uint32, slots int) *Ring {
	t.Helper()
	r, err := New(entries, slots)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func cstr(s string) []byte { return append([]byte(s), 0) }

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestOpenReadCloseChain reads files through linked direct-descriptor
// chains, one io_uring_enter for all, and checks every result, a missing
// file included, and that no descriptor of the process is left open.
func TestOpenReadCloseChain(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]byte{}
	names := []string{"a", "b c", "empty", "missing", "big"}
	for i, n := range names {
		if n == "missing" {
			continue
		}
		b := bytes.Repeat([]byte{byte('A' + i)}, 100*i)
		want[n] = b
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	before := openFDs(t)
	r := newRing(t, 64, 8)
	for round := range 3 { // slots and the queues are reused
		paths := make([][]byte, len(names))
		bufs := make([][]byte, len(names))
		for i, n := range names {
			paths[i] = cstr(n)
			bufs[i] = make([]byte, 1000)
			r.OpenDirect(int(d.Fd()), paths[i], unix.O_RDONLY|unix.O_NOATIME, i, uint64(i*3))
			r.ReadDirect(i, bufs[i], 0, uint64(i*3+1))
			r.CloseDirect(i, uint64(i*3+2))
		}
		if err := r.Submit(3 * len(names)); err != nil {
			t.Fatal(err)
		}
		res := map[uint64]int32{}
		if n := r.Reap(func(u uint64, v int32) { res[u] = v }); n != 3*len(names) {
			t.Fatalf("round %d: %d completions, want %d", round, n, 3*len(names))
		}
		for i, n := range names {
			open, read, cl := res[uint64(i*3)], res[uint64(i*3+1)], res[uint64(i*3+2)]
			if n == "missing" {
				if open != -int32(unix.ENOENT) || read >= 0 || cl >= 0 {
					t.Errorf("missing file: open %d read %d close %d, want -ENOENT and failures", open, read, cl)
				}
				continue
			}
			if open != 0 || cl != 0 || int(read) != len(want[n]) || !bytes.Equal(bufs[i][:read], want[n]) {
				t.Errorf("%q: open %d read %d close %d, want 0 %d 0 and its bytes", n, open, read, cl, len(want[n]))
			}
		}
	}
	if after := openFDs(t); after != before+1 { // the ring itself
		t.Errorf("%d descriptors open, want %d (the ring's only)", after, before+1)
	}
}

// TestRingsInParallel runs one ring per goroutine, as the workers do, under
// -race in make test.
func TestRingsInParallel(t *testing.T) {
	dir := t.TempDir()
	for i := range 32 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), []byte(fmt.Sprint(i)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var wg sync.WaitGroup
	for g := range 4 {
		r := newRing(t, 128, 32)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				bufs := make([][]byte, 32)
				paths := make([][]byte, 32)
				for i := range 32 {
					paths[i], bufs[i] = cstr(fmt.Sprint(i)), make([]byte, 8)
					r.OpenDirect(int(d.Fd()), paths[i], unix.O_RDONLY, i, uint64(3*i))
					r.ReadDirect(i, bufs[i], 0, uint64(3*i+1))
					r.CloseDirect(i, uint64(3*i+2))
				}
				if err := r.Submit(96); err != nil {
					t.Error(err)
					return
				}
				r.Reap(func(u uint64, v int32) {
					i := int(u / 3)
					if u%3 == 1 && string(bufs[i][:max(v, 0)]) != fmt.Sprint(i) {
						t.Errorf("goroutine %d: file %d read %q (%d)", g, i, bufs[i][:max(v, 0)], v)
					}
				})
			}
		}()
	}
	wg.Wait()
}
