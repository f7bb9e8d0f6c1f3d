package evidence

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// FuzzOpenNested opens fuzzed bytes as a disk image found inside evidence,
// walks it, and reads each entry back by the name ingest records it under:
// no panic, no hang, errors only; every name parses back to its entry.
// Seeds are a 64 KiB FAT12 image made by mkfs.vfat and mtools, built here.
func FuzzOpenNested(f *testing.F) {
	f.Add(make([]byte, 4096))
	if _, err := exec.LookPath("mcopy"); err == nil {
		dir := f.TempDir()
		img := filepath.Join(dir, "f.img")
		pic := filepath.Join(dir, "a.jpg")
		os.WriteFile(pic, append([]byte("\xFF\xD8\xFF\xE0"), bytes.Repeat([]byte("scrim"), 200)...), 0o644)
		cmd := exec.Command("sh", "-c", `mkfs.vfat -C "$1" 64 >/dev/null && MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$2" ::/a.jpg && MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$2" ::/b.jpg && MTOOLS_SKIP_CHECK=1 mdel -i "$1" ::/b.jpg`, "sh", img, pic)
		if err := cmd.Run(); err == nil {
			if b, err := os.ReadFile(img); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		src, err := OpenNested(bytes.NewReader(data), int64(len(data)), "fuzz.img", "", "fuzz.zip", true)
		if err != nil || src == nil {
			return
		}
		defer src.Close()
		var names []string
		buf := make([]byte, 4096)
		src.Walk(ctx, func(e Entry) error {
			name := NestedMember(e)
			np, ok := parseNestedMember(name)
			if !ok || np.path != e.Path || np.deleted != e.Deleted || np.carved != e.Carved || (e.Deleted && np.inode != e.Inode) {
				t.Fatalf("%q does not name %+v back: %+v", name, e, np)
			}
			if e.Open != nil && len(names) < 8 {
				if c, err := e.Open(); err == nil {
					c.ReadAt(buf, 0)
					c.Close()
				}
				names = append(names, name)
			}
			return nil
		})
		for _, n := range names {
			// Damage is an error, which is all that is asked here.
			if r, size, err := readNested(ctx, src, n); err == nil {
				r.ReadAt(buf[:min(size, int64(len(buf)))], 0)
			}
		}
	})
}

// memBeside is the files beside a first segment, held in memory; a name
// listed without content fails to open.
type memBeside map[string][]byte

func (m memBeside) Names() []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	return out
}

func (m memBeside) Open(name string) (io.ReaderAt, int64, io.Closer, error) {
	b, ok := m[name]
	if !ok || b == nil {
		return nil, 0, nil, fmt.Errorf("%s: %w", name, errMemberNotFound)
	}
	return bytes.NewReader(b), int64(len(b)), nil, nil
}

// FuzzOpenNestedBeside opens fuzzed bytes cut in two as the first and
// second segments of an E01 found inside an archive (a third listed but
// unreadable) and walks it: no panic, no hang, errors and notes only.
// The seed is a real E01 (ewfacquire) of a 64 KiB FAT image, cut in two.
func FuzzOpenNestedBeside(f *testing.F) {
	f.Add([]byte("EVF\x09\x0d\x0a\xff\x00\x01\x01\x00\x00\x00"), uint16(13))
	if _, err := exec.LookPath("ewfacquire"); err == nil {
		dir := f.TempDir()
		img := filepath.Join(dir, "f.img")
		cmd := exec.Command("sh", "-c", `mkfs.vfat -C "$1" 64 >/dev/null && ewfacquire -u -q -t "$2" -f encase6 -c none "$1" >/dev/null`, "sh", img, filepath.Join(dir, "disk"))
		if err := cmd.Run(); err == nil {
			if b, err := os.ReadFile(filepath.Join(dir, "disk.E01")); err == nil {
				f.Add(b, uint16(len(b)/2))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c := min(int(cut), len(data))
		first := data[:c]
		beside := memBeside{"fuzz.E01": first, "fuzz.E02": data[c:], "fuzz.E04": nil}
		src, err := OpenNestedBeside(bytes.NewReader(first), int64(len(first)), "fuzz.E01", "", "fuzz.zip", true, beside)
		if err != nil || src == nil {
			return
		}
		defer src.Close()
		buf := make([]byte, 4096)
		n := 0
		src.Walk(ctx, func(e Entry) error {
			if e.Open != nil && n < 8 {
				n++
				if c, err := e.Open(); err == nil {
					c.ReadAt(buf, 0)
					c.Close()
				}
			}
			return nil
		})
	})
}
