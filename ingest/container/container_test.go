package container

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// formatCase converts the raw fixture in dir and names the file to open.
type formatCase struct {
	name     string
	tool     [2]string // command, Debian package
	make     func(t *testing.T, dir string) string
	format   string
	segments int
	tsk      bool // The Sleuth Kit reads it too: compare with img_stat/img_cat
}

func qemu(args ...string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		run(t, dir, "qemu-img", append([]string{"convert", "-f", "raw"}, args...)...)
		return filepath.Join(dir, args[len(args)-1])
	}
}

// tskView returns the media TSK sees in path (img_stat size, img_cat bytes),
// after checking it is raw followed only by zero padding.
func tskView(t *testing.T, path string, raw []byte) []byte {
	needTool(t, "img_cat", "sleuthkit")
	out, err := exec.Command("img_stat", path).Output()
	if err != nil {
		t.Fatalf("img_stat %s: %v", path, err)
	}
	m := regexp.MustCompile(`Size (?:of data )?in bytes:\s*(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("img_stat %s: no size in\n%s", path, out)
	}
	size, _ := strconv.ParseInt(string(m[1]), 10, 64)
	media, err := exec.Command("img_cat", path).Output()
	if err != nil {
		t.Fatalf("img_cat %s: %v", path, err)
	}
	if int64(len(media)) != size || size < int64(len(raw)) || !bytes.Equal(media[:len(raw)], raw) ||
		!allZero(media[len(raw):]) {
		t.Fatalf("TSK sees %d bytes (img_stat %d) that are not the raw %d bytes plus zeros", len(media), size, len(raw))
	}
	return media
}

// qemuVirtualSize asks qemu-img what media size it sees in path.
func qemuVirtualSize(t *testing.T, path string) int64 {
	out, err := exec.Command("qemu-img", "info", "--output=json", path).Output()
	if err != nil {
		t.Fatalf("qemu-img info %s: %v", path, err)
	}
	var info struct {
		VirtualSize int64 `json:"virtual-size"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	return info.VirtualSize
}

func formatCases() []formatCase {
	q := [2]string{"qemu-img", "qemu-utils"}
	sp := [2]string{"split", "coreutils"}
	return []formatCase{
		{name: "raw", tsk: true, tool: sp, format: "raw", segments: 1,
			make: func(t *testing.T, dir string) string { return filepath.Join(dir, "img.raw") }},
		{name: "split-001", tsk: true, tool: sp, format: "split-raw", segments: 9,
			make: func(t *testing.T, dir string) string {
				run(t, dir, "split", "-b", "1M", "-d", "-a", "3", "--numeric-suffixes=1", "img.raw", "part.")
				return filepath.Join(dir, "part.001")
			}},
		{name: "split-000", tsk: true, tool: sp, format: "split-raw", segments: 9,
			make: func(t *testing.T, dir string) string {
				run(t, dir, "split", "-b", "1M", "-d", "-a", "3", "img.raw", "part.")
				return filepath.Join(dir, "part.000")
			}},
		{name: "split-aa", tsk: true, tool: sp, format: "split-raw", segments: 9,
			make: func(t *testing.T, dir string) string {
				run(t, dir, "split", "-b", "1M", "img.raw", "part.")
				return filepath.Join(dir, "part.aa")
			}},
		{name: "vhd-dynamic", tsk: true, tool: q, format: "vhd", segments: 1,
			make: qemu("-O", "vpc", "-o", "force_size=on", "img.raw", "img.vhd")},
		// Without force_size qemu rounds the size up to a CHS geometry;
		// the footer's current size (what we report) includes the padding.
		{name: "vhd-dynamic-chs", tsk: true, tool: q, format: "vhd", segments: 1,
			make: qemu("-O", "vpc", "img.raw", "img.vhd")},
		{name: "vhd-fixed", tsk: true, tool: q, format: "vhd", segments: 1,
			make: qemu("-O", "vpc", "-o", "subformat=fixed,force_size=on", "img.raw", "img.vhd")},
		{name: "vhdx", tool: q, format: "vhdx", segments: 1,
			make: qemu("-O", "vhdx", "img.raw", "img.vhdx")},
		{name: "vhdx-1M-blocks", tool: q, format: "vhdx", segments: 1,
			make: qemu("-O", "vhdx", "-o", "block_size=1048576", "img.raw", "img.vhdx")},
		{name: "vmdk-sparse", tsk: true, tool: q, format: "vmdk", segments: 1,
			make: qemu("-O", "vmdk", "img.raw", "img.vmdk")},
		{name: "vmdk-flat", tsk: true, tool: q, format: "vmdk", segments: 2,
			make: qemu("-O", "vmdk", "-o", "subformat=monolithicFlat", "img.raw", "img.vmdk")},
		{name: "vmdk-2gb-sparse", tsk: true, tool: q, format: "vmdk", segments: 2,
			make: qemu("-O", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "img.raw", "img.vmdk")},
		{name: "vmdk-2gb-flat", tsk: true, tool: q, format: "vmdk", segments: 2,
			make: qemu("-O", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", "img.raw", "img.vmdk")},
		// TSK does not read QCOW2: checked against the raw bytes.
		{name: "qcow2", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "img.raw", "img.qcow2")},
		{name: "qcow2-v2", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-o", "compat=0.10", "img.raw", "img.qcow2")},
		{name: "qcow2-compressed", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-c", "img.raw", "img.qcow2")},
		{name: "qcow2-v2-compressed-4k", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-c", "-o", "compat=0.10,cluster_size=4096", "img.raw", "img.qcow2")},
		{name: "qcow2-compressed-zstd", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-c", "-o", "compression_type=zstd", "img.raw", "img.qcow2")},
		{name: "qcow2-extended-l2", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-o", "extended_l2=on,cluster_size=128k", "img.raw", "img.qcow2")},
		{name: "qcow2-extended-l2-compressed", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-c", "-o", "extended_l2=on", "img.raw", "img.qcow2")},
		{name: "qcow2-512-clusters", tool: q, format: "qcow2", segments: 1,
			make: qemu("-O", "qcow2", "-o", "cluster_size=512", "img.raw", "img.qcow2")},
		{name: "vmdk-descriptor-two-sparse", tsk: true, tool: q, format: "vmdk", segments: 3, make: twoSparseDescriptor},
		{name: "vmdk-descriptor-two-flat", tsk: true, tool: sp, format: "vmdk", segments: 3, make: twoFlatDescriptor},
		// libvmdk (TSK) cannot read ZERO extents and ignores extent offsets,
		// so this one is checked against the raw bytes only.
		{name: "vmdk-descriptor-zero-offset", tool: sp, format: "vmdk", segments: 3, make: handDescriptor},
	}
}

// twoFlatDescriptor writes a descriptor over two flat files, the second with
// a space in its name.
func twoFlatDescriptor(t *testing.T, dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "img.raw"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a-f001.vmdk"), raw[:4<<20], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a f002.vmdk"), raw[4<<20:], 0o644); err != nil {
		t.Fatal(err)
	}
	desc := fmt.Sprintf("# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n"+
		"createType=\"twoGbMaxExtentFlat\"\n\n# Extent description\nRW 8192 FLAT \"a-f001.vmdk\" 0\n"+
		"RW %d FLAT \"a f002.vmdk\" 0\n\n# The Disk Data Base\n#DDB\n", (len(raw)-4<<20)/512)
	p := filepath.Join(dir, "a.vmdk")
	if err := os.WriteFile(p, []byte(desc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// twoSparseDescriptor writes a descriptor over two hosted sparse extents
// that qemu-img made from the two halves of the image.
func twoSparseDescriptor(t *testing.T, dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "img.raw"))
	if err != nil {
		t.Fatal(err)
	}
	for i, part := range [][]byte{raw[:4<<20], raw[4<<20:]} {
		name := fmt.Sprintf("h%d", i)
		if err := os.WriteFile(filepath.Join(dir, name+".raw"), part, 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, dir, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", name+".raw", name+".vmdk")
		os.Remove(filepath.Join(dir, name+".raw"))
		os.Remove(filepath.Join(dir, name+".vmdk")) // its own descriptor; ours follows
	}
	desc := fmt.Sprintf("# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"+
		"createType=\"twoGbMaxExtentSparse\"\n\n# Extent description\nRW 8192 SPARSE \"h0-s001.vmdk\"\n"+
		"RW %d SPARSE \"h1-s001.vmdk\"\n\n# The Disk Data Base\n#DDB\n", (len(raw)-4<<20)/512)
	p := filepath.Join(dir, "h.vmdk")
	if err := os.WriteFile(p, []byte(desc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// handDescriptor writes a descriptor with a FLAT extent, a ZERO extent over
// the fixture's zero region and a FLAT extent at an offset inside a file
// whose name has a space, the way twoGbMaxExtentFlat and hand-built
// descriptors look.
func handDescriptor(t *testing.T, dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "img.raw"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p1.bin"), raw[:2<<20], 0o644); err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xAA}, 8*512)
	if err := os.WriteFile(filepath.Join(dir, "p 2.bin"), append(junk, raw[4<<20:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	desc := "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\"twoGbMaxExtentFlat\"\n\n" +
		"# Extent description\nRW 4096 FLAT \"p1.bin\" 0\nRW 4096 ZERO\nRDONLY 8323 FLAT \"p 2.bin\" 8\n\n" +
		"# The Disk Data Base\n#DDB\nddb.adapterType = \"lsilogic\"\n"
	p := filepath.Join(dir, "multi.vmdk")
	if err := os.WriteFile(p, []byte(desc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenFormats(t *testing.T) {
	for _, tc := range formatCases() {
		t.Run(tc.name, func(t *testing.T) {
			needTool(t, tc.tool[0], tc.tool[1])
			dir := t.TempDir()
			raw := makeRaw(t, filepath.Join(dir, "img.raw"), fixtureSize, 7)
			path := tc.make(t, dir)
			if tc.tool[0] == "qemu-img" || strings.HasPrefix(tc.name, "split") {
				os.Remove(filepath.Join(dir, "img.raw")) // only the container is evidence
			}
			want := raw
			if tc.tsk {
				want = tskView(t, path, raw)
			} else if tc.tool[0] == "qemu-img" {
				// qemu may round the size up (VHD CHS geometry); the
				// padding reads as zeros.
				vs := qemuVirtualSize(t, path)
				if vs < int64(len(raw)) {
					t.Fatalf("qemu-img virtual size %d < raw %d", vs, len(raw))
				}
				want = append(bytes.Clone(raw), make([]byte, vs-int64(len(raw)))...)
			}
			before := dirDigest(t, dir)
			img, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if img.Format() != tc.format || img.Size() != int64(len(want)) {
				t.Fatalf("Format %q Size %d, want %q %d", img.Format(), img.Size(), tc.format, len(want))
			}
			if n := len(img.Segments()); n != tc.segments {
				t.Errorf("Segments = %v, want %d", img.Segments(), tc.segments)
			}
			if len(img.StoredHashes()) != 0 {
				t.Errorf("StoredHashes = %v, want empty", img.StoredHashes())
			}
			checkContent(t, img, want)
			if err := img.Close(); err != nil {
				t.Fatal(err)
			}
			if after := dirDigest(t, dir); !maps.Equal(before, after) {
				t.Fatalf("evidence changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// checkContent compares img with want: a full sequential read (SHA-256),
// random-offset reads of random sizes, edge reads and concurrent readers.
func checkContent(t *testing.T, img Image, want []byte) {
	t.Helper()
	size := int64(len(want))
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(img, 0, size)); err != nil {
		t.Fatalf("full read: %v", err)
	}
	if got, w := h.Sum(nil), sha256.Sum256(want); !bytes.Equal(got, w[:]) {
		t.Fatalf("full read SHA-256 %x, want %x", got, w)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		checkRead(t, img, want, rng.Int64N(size), rng.IntN(3<<20)+1)
	}
	checkRead(t, img, want, size-10, 100)
	checkRead(t, img, want, 0, int(size))
	if n, err := img.ReadAt(make([]byte, 10), size); n != 0 || err != io.EOF {
		t.Errorf("ReadAt(size) = %d, %v; want 0, EOF", n, err)
	}
	if _, err := img.ReadAt(make([]byte, 10), -1); err == nil {
		t.Error("ReadAt(-1) succeeded")
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			for range 40 {
				checkRead(t, img, want, rng.Int64N(size), rng.IntN(256<<10)+1)
			}
		})
	}
	wg.Wait()
}

func checkRead(t *testing.T, img Image, want []byte, off int64, n int) {
	buf := make([]byte, n)
	got, err := img.ReadAt(buf, off)
	wantN := min(int64(n), int64(len(want))-off)
	switch {
	case int64(got) != wantN:
		t.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d", n, off, got, err, wantN)
	case wantN < int64(n) && err != io.EOF:
		t.Errorf("ReadAt(%d bytes at %d) short read error %v, want EOF", n, off, err)
	case wantN == int64(n) && err != nil:
		t.Errorf("ReadAt(%d bytes at %d): %v", n, off, err)
	case !bytes.Equal(buf[:got], want[off:off+int64(got)]):
		t.Errorf("ReadAt(%d bytes at %d): content differs", n, off)
	}
}

func TestSplitMissingMiddle(t *testing.T) {
	needTool(t, "split", "coreutils")
	dir := t.TempDir()
	makeRaw(t, filepath.Join(dir, "img.raw"), fixtureSize, 3)
	run(t, dir, "split", "-b", "1M", "-d", "-a", "3", "--numeric-suffixes=1", "img.raw", "img.raw.")
	if err := os.Remove(filepath.Join(dir, "img.raw.004")); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(dir, "img.raw.001"))
	if !errors.Is(err, ErrMissingSegment) || !bytes.Contains([]byte(err.Error()), []byte("img.raw.004")) {
		t.Fatalf("Open = %v, want ErrMissingSegment naming img.raw.004", err)
	}
	// A later segment handed over instead of the first is refused.
	if _, err := Open(filepath.Join(dir, "img.raw.002")); err == nil {
		t.Fatal("Open(second segment) succeeded")
	}
}
