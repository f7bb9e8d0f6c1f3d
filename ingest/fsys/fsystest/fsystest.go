// Package fsystest holds what every filesystem reader's tests do the same
// way: drive a reader over hostile bytes under a time bound, and time a
// full read of a volume beside `cat` of its image.
package fsystest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/ingest/fsys"
	"scrim/internal/benchrow"
)

// Opener is a filesystem package's Open.
type Opener func(r io.ReaderAt, size int64) (fsys.FS, error)

// Exercise opens data as a volume and reads every file and free run,
// failing the test if that does not finish within 20 seconds.
func Exercise(t testing.TB, open Opener, data []byte) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		v, err := open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		// Reads are capped: a damaged inode may declare a terabyte of
		// sparse file, and reading it all is slow, not wrong. What is
		// checked here is that nothing panics or hangs, and each input
		// stays short so a fuzzer's time limit never lands mid-input.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		buf := make([]byte, 64<<10)
		budget := int64(16 << 20)
		v.Walk(ctx, func(f fsys.File) error {
			if f.Content != nil {
				for off := int64(0); off < min(f.Size, 1<<20) && budget > 0 && ctx.Err() == nil; off += int64(len(buf)) {
					budget -= int64(len(buf))
					if _, err := f.Content.ReadAt(buf, off); err != nil && err != io.EOF {
						break
					}
				}
			}
			return nil
		})
		v.Unallocated(ctx, func(int64, int64) error { return ctx.Err() })
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("hang")
	}
}

// BenchReadAll reads every file of v each iteration and reports MB/s beside
// `cat` of the image file measured in the same run.
// BenchReadAll prints the row ingest/fsys/<name>/read-all.
func BenchReadAll(b *testing.B, name string, v fsys.FS, img string) {
	m := benchrow.Start("ingest/fsys/" + name + "/read-all")
	buf := make([]byte, 1<<20)
	var total int64
	b.ResetTimer()
	for b.Loop() {
		total = 0
		err := v.Walk(context.Background(), func(f fsys.File) error {
			if f.Content == nil {
				return nil
			}
			n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, io.NewSectionReader(f.Content, 0, f.Size), buf)
			total += n
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ours := float64(total) * float64(b.N) / b.Elapsed().Seconds()
	st, _ := os.Stat(img)
	start := time.Now()
	if err := exec.Command("cat", img).Run(); err != nil {
		b.Fatal(err)
	}
	cat := float64(st.Size()) / time.Since(start).Seconds()
	b.ReportMetric(ours/1e6, "MB/s-files")
	b.ReportMetric(cat/1e6, "MB/s-cat")
	m.Log(b, fmt.Sprintf("%s volume: walk and read every file (%d MiB of files, image %d MiB, page cache warm)", name, total>>20, st.Size()>>20),
		benchrow.Rate(ours/1e6, "MB/s of files"), "`cat` of the image "+benchrow.Rate(cat/1e6, "MB/s"), ours/cat)
}

// OpenImage opens an image file read-only as one volume, requiring probe
// to recognise it first, as the evidence layer does.
func OpenImage(t testing.TB, img string, probe func([]byte) bool, open Opener) fsys.FS {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 64<<10)
	n, _ := f.ReadAt(head, 0)
	if !probe(head[:n]) {
		t.Fatalf("%s: probe does not recognise it", img)
	}
	v, err := open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// SharedFixture returns the path of a file in ../shared/fixtures beside
// the project root: images made on macOS or Windows that no Linux tool can
// make. Without that folder the test skips, except under CI, which always
// has it.
func SharedFixture(tb testing.TB, name string) string {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(here), "..", "..", "..", "..", "shared", "fixtures", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("shared fixture %s missing under CI: %v", name, err)
		}
		tb.Skipf("shared fixture %s not found (../shared/fixtures beside the project root): %v", name, err)
	}
	return p
}

// TSKFile is one regular file as The Sleuth Kit's fls lists it.
type TSKFile struct {
	Inode   uint64
	Path    string // with a leading "/"
	Deleted bool
	Size    int64
	Atime   int64 // epoch seconds as fls -m prints them, 0 when none
	Mtime   int64
	Crtime  int64
}

// FLS lists the regular files TSK finds in img (fls -r -p for names and
// deleted flags, fls -r -m for sizes and times), leaving out volume label
// entries and TSK's own metadata files ($FAT1, $ALLOC_BITMAP, ...).
func FLS(tb testing.TB, img string) []TSKFile {
	tb.Helper()
	run := func(args ...string) []byte {
		out, err := exec.Command("fls", append(args, img)...).Output()
		if err != nil {
			tb.Fatalf("fls %v %s: %v", args, img, err)
		}
		return out
	}
	var files []TSKFile
	sc := bufio.NewScanner(bytes.NewReader(run("-r", "-p")))
	for sc.Scan() {
		line := sc.Text()
		head, path, ok := strings.Cut(line, ":\t")
		if !ok || !strings.HasPrefix(head, "r/r ") || strings.HasSuffix(path, "(Volume Label Entry)") || strings.HasPrefix(filepath.Base(path), "$") {
			continue
		}
		fields := strings.Fields(head)
		// NTFS inodes read RECORD-TYPE-ID: the record is the inode.
		ino, err := strconv.ParseUint(strings.SplitN(fields[len(fields)-1], "-", 2)[0], 10, 64)
		if err != nil {
			tb.Fatalf("fls line %q", line)
		}
		files = append(files, TSKFile{Inode: ino, Path: "/" + path, Deleted: strings.Contains(head, "*")})
	}
	meta := map[uint64][]string{}
	sc = bufio.NewScanner(bytes.NewReader(run("-r", "-m", "/")))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) < 11 {
			continue
		}
		ino, _ := strconv.ParseUint(strings.SplitN(f[2], "-", 2)[0], 10, 64)
		meta[ino] = f
	}
	for i := range files {
		m := meta[files[i].Inode]
		if m == nil {
			tb.Fatalf("no fls -m line for inode %d", files[i].Inode)
		}
		n := len(m)
		files[i].Size, _ = strconv.ParseInt(m[n-5], 10, 64)
		files[i].Atime, _ = strconv.ParseInt(m[n-4], 10, 64)
		files[i].Mtime, _ = strconv.ParseInt(m[n-3], 10, 64)
		files[i].Crtime, _ = strconv.ParseInt(m[n-1], 10, 64)
	}
	return files
}
