package container

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// patch overwrites b at off in the file path (a fixture, not evidence).
func patch(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func readAt(t *testing.T, path string, off int64, n int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	return b
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// setVHDFooterSize rewrites the current size of the VHD footer at off and
// fixes its checksum, so only the size check can catch it.
func setVHDFooterSize(t *testing.T, path string, off int64, size uint64) {
	ft := readAt(t, path, off, 512)
	binary.BigEndian.PutUint64(ft[48:], size)
	binary.BigEndian.PutUint32(ft[64:], vhdChecksum(ft, 64))
	patch(t, path, off, ft)
}

// openAndRead opens path and reads all of it, returning the first error.
func openAndRead(path string) error {
	img, err := Open(path)
	if err != nil {
		return err
	}
	defer img.Close()
	_, err = io.Copy(io.Discard, io.NewSectionReader(img, 0, img.Size()))
	return err
}

type corruptCase struct {
	name string
	tool [2]string
	// make builds the damaged container from img.raw in dir.
	make func(t *testing.T, dir string) string
	want error // errors.Is target; nil: any error
}

func corruptCases() []corruptCase {
	q := [2]string{"qemu-img", "qemu-utils"}
	sp := [2]string{"split", "coreutils"}
	conv := func(t *testing.T, dir string, args ...string) string {
		run(t, dir, "qemu-img", append([]string{"convert", "-f", "raw"}, args...)...)
		return filepath.Join(dir, args[len(args)-1])
	}
	vhd := func(t *testing.T, dir string) string {
		return conv(t, dir, "-O", "vpc", "-o", "force_size=on", "img.raw", "img.vhd")
	}
	fileLen := func(t *testing.T, p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	return []corruptCase{
		{"vhd-truncated", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			os.Truncate(p, 3<<20)
			return p
		}, ErrCorrupt},
		{"vhd-fixed-short", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vpc", "-o", "subformat=fixed,force_size=on", "img.raw", "img.vhd")
			n := fileLen(t, p)
			ft := readAt(t, p, n-512, 512)
			os.Truncate(p, 4<<20)
			patch(t, p, 4<<20, ft)
			return p
		}, ErrCorrupt},
		{"vhd-footer-checksum", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			patch(t, p, fileLen(t, p)-512+40, []byte{0x7f})
			return p
		}, ErrChecksum},
		{"vhd-dynheader-checksum", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			patch(t, p, 512+40, []byte{0x7f}) // qemu puts the dynamic header at 512
			return p
		}, ErrChecksum},
		{"vhd-bat-past-end", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			bat := int64(binary.BigEndian.Uint64(readAt(t, p, 512+16, 8)))
			patch(t, p, bat, be32(0x00fffff0))
			return p
		}, ErrCorrupt},
		{"vhd-absurd-size", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			setVHDFooterSize(t, p, fileLen(t, p)-512, 1<<60)
			return p
		}, ErrCorrupt},
		{"vhd-size-beyond-bat", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			setVHDFooterSize(t, p, fileLen(t, p)-512, 1<<40)
			return p
		}, ErrCorrupt},
		{"vhd-fixed-absurd-size", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vpc", "-o", "subformat=fixed,force_size=on", "img.raw", "img.vhd")
			setVHDFooterSize(t, p, fileLen(t, p)-512, 1<<62)
			return p
		}, ErrCorrupt},
		// qemu cannot make differencing VHDs: retype a dynamic one (type 4)
		// and give it a parent name, with valid checksums.
		{"vhd-differencing", q, func(t *testing.T, dir string) string {
			p := vhd(t, dir)
			for _, off := range []int64{0, fileLen(t, p) - 512} {
				ft := readAt(t, p, off, 512)
				binary.BigEndian.PutUint32(ft[60:], vhdTypeDiff)
				binary.BigEndian.PutUint32(ft[64:], vhdChecksum(ft, 64))
				patch(t, p, off, ft)
			}
			dh := readAt(t, p, 512, 1024)
			copy(dh[64:], []byte{0, 'b', 0, '.', 0, 'v', 0, 'h', 0, 'd'})
			binary.BigEndian.PutUint32(dh[36:], vhdChecksum(dh, 36))
			patch(t, p, 512, dh)
			return p
		}, ErrUnsupported},
		{"vhdx-truncated-payload", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vhdx", "-o", "block_size=1048576", "img.raw", "img.vhdx")
			os.Truncate(p, fileLen(t, p)-3<<20)
			return p
		}, nil},
		{"vhdx-truncated-metadata", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vhdx", "img.raw", "img.vhdx")
			os.Truncate(p, 2<<20+4096)
			return p
		}, ErrCorrupt},
		{"vhdx-header-checksum", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vhdx", "img.raw", "img.vhdx")
			patch(t, p, vhdxHeader1+200, []byte{1})
			patch(t, p, vhdxHeader2+200, []byte{1})
			return p
		}, ErrChecksum},
		{"vhdx-region-checksum", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vhdx", "img.raw", "img.vhdx")
			patch(t, p, vhdxRegion1+1000, []byte{1})
			return p
		}, ErrChecksum},
		{"vhdx-absurd-size", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vhdx", "img.raw", "img.vhdx")
			patch(t, p, vhdxMetaItem(t, p, vhdxDiskSizeGUID), le64(1<<60))
			return p
		}, ErrCorrupt},
		{"vhdx-size-beyond-bat", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vhdx", "img.raw", "img.vhdx")
			patch(t, p, vhdxMetaItem(t, p, vhdxDiskSizeGUID), le64(1<<44))
			return p
		}, ErrCorrupt},
		{"vmdk-truncated-payload", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "img.raw", "img.vmdk")
			os.Truncate(p, fileLen(t, p)/2)
			return p
		}, nil},
		{"vmdk-truncated-header", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "img.raw", "img.vmdk")
			os.Truncate(p, 4096)
			return p
		}, ErrCorrupt},
		{"vmdk-absurd-capacity", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "img.raw", "img.vmdk")
			patch(t, p, 12, le64(1<<50))
			return p
		}, ErrCorrupt},
		{"vmdk-gd-past-end", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "img.raw", "img.vmdk")
			gd := int64(binary.LittleEndian.Uint64(readAt(t, p, 56, 8)))
			patch(t, p, gd*512, []byte{0xff, 0xff, 0xff, 0x0f})
			return p
		}, ErrCorrupt},
		{"vmdk-grain-past-end", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "img.raw", "img.vmdk")
			gd := int64(binary.LittleEndian.Uint64(readAt(t, p, 56, 8)))
			gt := int64(binary.LittleEndian.Uint32(readAt(t, p, gd*512, 4)))
			patch(t, p, gt*512, []byte{0xff, 0xff, 0xff, 0x0f})
			return p
		}, io.ErrUnexpectedEOF},
		{"vmdk-snapshot", q, func(t *testing.T, dir string) string {
			conv(t, dir, "-O", "vmdk", "img.raw", "img.vmdk")
			run(t, dir, "qemu-img", "create", "-q", "-f", "vmdk", "-b", "img.vmdk", "-F", "vmdk", "snap.vmdk")
			return filepath.Join(dir, "snap.vmdk")
		}, ErrUnsupported},
		{"vmdk-stream-optimized", q, func(t *testing.T, dir string) string {
			return conv(t, dir, "-O", "vmdk", "-o", "subformat=streamOptimized", "img.raw", "img.vmdk")
		}, ErrUnsupported},
		{"vmdk-flat-missing-extent", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "-o", "subformat=monolithicFlat", "img.raw", "img.vmdk")
			os.Remove(filepath.Join(dir, "img-flat.vmdk"))
			return p
		}, ErrMissingSegment},
		{"vmdk-flat-truncated-extent", q, func(t *testing.T, dir string) string {
			p := conv(t, dir, "-O", "vmdk", "-o", "subformat=monolithicFlat", "img.raw", "img.vmdk")
			os.Truncate(filepath.Join(dir, "img-flat.vmdk"), 1<<20)
			return p
		}, ErrCorrupt},
		{"vmdk-descriptor-escape", sp, func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "evil.vmdk")
			os.WriteFile(p, []byte("# Disk DescriptorFile\ncreateType=\"monolithicFlat\"\nRW 8 FLAT \"../img.raw\" 0\n"), 0o644)
			return p
		}, ErrCorrupt},
		{"split-missing-middle", sp, func(t *testing.T, dir string) string {
			run(t, dir, "split", "-b", "1M", "img.raw", "img.raw.")
			os.Remove(filepath.Join(dir, "img.raw.ac"))
			return filepath.Join(dir, "img.raw.aa")
		}, ErrMissingSegment},
	}
}

// vhdxDiskSizeGUID is the Virtual Disk Size metadata item
// (2FA54224-CD1B-4876-B211-5DBED83BF4B8).
const vhdxDiskSizeGUID = "\x24\x42\xa5\x2f\x1b\xcd\x76\x48\xb2\x11\x5d\xbe\xd8\x3b\xf4\xb8"

// vhdxMetaItem returns the file offset of metadata item guid in path.
func vhdxMetaItem(t *testing.T, path, guid string) int64 {
	rt := readAt(t, path, vhdxRegion1, 64<<10)
	le := binary.LittleEndian
	for i := range int(le.Uint32(rt[8:])) {
		e := rt[16+32*i:]
		if string(e[:16]) != "\x06\xa2\x7c\x8b\x90\x47\x9a\x4b\xb8\xfe\x57\x5f\x05\x0f\x88\x6e" {
			continue
		}
		meta := int64(le.Uint64(e[16:]))
		tab := readAt(t, path, meta, 64<<10)
		for k := range int(le.Uint16(tab[10:])) {
			m := tab[32+32*k:]
			if string(m[:16]) == guid {
				return meta + int64(le.Uint32(m[16:]))
			}
		}
	}
	t.Fatalf("%s: metadata item not found", path)
	return 0
}

func TestCorruptContainers(t *testing.T) {
	for _, tc := range corruptCases() {
		t.Run(tc.name, func(t *testing.T) {
			needTool(t, tc.tool[0], tc.tool[1])
			dir := t.TempDir()
			makeRaw(t, filepath.Join(dir, "img.raw"), fixtureSize, 11)
			path := tc.make(t, dir)
			if !strings.Contains(tc.name, "escape") {
				os.Remove(filepath.Join(dir, "img.raw"))
			}
			before := dirDigest(t, dir)
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			start := time.Now()
			err := openAndRead(path)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&ms1)
			if err == nil {
				t.Fatal("damaged container opened and read without error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			t.Logf("%v (%v, %d KiB allocated)", err, elapsed.Round(time.Millisecond), (ms1.TotalAlloc-ms0.TotalAlloc)>>10)
			if elapsed > 2*time.Second || ms1.TotalAlloc-ms0.TotalAlloc > 64<<20 {
				t.Errorf("took %v and %d bytes to fail", elapsed, ms1.TotalAlloc-ms0.TotalAlloc)
			}
			if after := dirDigest(t, dir); len(after) != len(before) {
				t.Fatal("files appeared or vanished")
			} else {
				for k, v := range before {
					if after[k] != v {
						t.Fatalf("%s changed", k)
					}
				}
			}
		})
	}
}
