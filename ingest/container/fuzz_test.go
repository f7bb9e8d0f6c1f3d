package container

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz seeds are real fixtures made by qemu-img at fuzz time (nothing
// binary is committed). Checksums are repaired in the harness as well as
// left alone, so mutations reach the code behind the checksum checks.

// tinyFixture converts a 1 MiB raw image with a few bytes of data to the
// qemu-img format args describe and returns the file's bytes.
func tinyFixture(f *testing.F, out string, args ...string) []byte {
	f.Helper()
	needTool(f, "qemu-img", "qemu-utils")
	dir := f.TempDir()
	raw := make([]byte, 1<<20)
	copy(raw[5000:], "scrim fuzz seed")
	copy(raw[700000:], "second grain")
	if err := os.WriteFile(filepath.Join(dir, "t.raw"), raw, 0o644); err != nil {
		f.Fatal(err)
	}
	run(f, dir, "qemu-img", append(append([]string{"convert", "-f", "raw"}, args...), "t.raw", out)...)
	b, err := os.ReadFile(filepath.Join(dir, out))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// exercise reads a bounded sample of img and checks the io.ReaderAt contract.
func exercise(t *testing.T, img Image) {
	size := img.Size()
	if size < 0 {
		t.Fatalf("negative size %d", size)
	}
	buf := make([]byte, 4<<10)
	for _, off := range []int64{0, 64<<10 - 100, 1<<20 - 100, size / 2, size - 100, size - 1, size, size + 5} {
		n, err := img.ReadAt(buf, off)
		if n < 0 || n > len(buf) || (err == nil && n != len(buf)) {
			t.Fatalf("ReadAt(%d) = %d, %v", off, n, err)
		}
	}
}

// Large sparse fixtures are fuzzed in a compact form so each execution
// stays cheap: gapped inputs are a 4-byte big-endian gap length, a head
// placed at offset 0 and (for VHD) a 512-byte footer placed after the gap.
const maxFuzzGap = 64 << 20

// gapped packs file (a fixture) as gap ‖ first headLen bytes ‖ last tail bytes.
func gapped(file []byte, headLen, tail int) []byte {
	gap := len(file) - headLen - tail
	b := binary.BigEndian.AppendUint32(nil, uint32(gap))
	b = append(b, file[:headLen]...)
	return append(b, file[len(file)-tail:]...)
}

// ungap rebuilds the virtual file of a gapped input: head, zeros, tail.
func ungap(in []byte, tail int) (pieceReader, []byte, []byte, bool) {
	if len(in) < 4+tail {
		return pieceReader{}, nil, nil, false
	}
	gap := int64(binary.BigEndian.Uint32(in) % maxFuzzGap)
	head, foot := in[4:len(in)-tail], in[len(in)-tail:]
	size := int64(len(head)) + gap + int64(tail)
	return pieceReader{size: size, pieces: []piece{{0, head}, {size - int64(tail), foot}}}, head, foot, true
}

// fixVHDChecksums gives the footer and (when it lies in head) the dynamic
// header correct checksums, in place.
func fixVHDChecksums(head, foot []byte) {
	binary.BigEndian.PutUint32(foot[64:], vhdChecksum(foot, 64))
	if off := binary.BigEndian.Uint64(foot[16:]); off < uint64(len(head)) && uint64(len(head))-off >= 1024 {
		dh := head[off : off+1024]
		binary.BigEndian.PutUint32(dh[36:], vhdChecksum(dh, 36))
	}
}

func FuzzVHD(f *testing.F) {
	for _, file := range [][]byte{
		tinyFixture(f, "d.vhd", "-O", "vpc"),
		tinyFixture(f, "f.vhd", "-O", "vpc", "-o", "subformat=fixed"),
	} {
		seed := gapped(file, 8<<10, 512)
		r, _, _, _ := ungap(seed, 512)
		if _, err := newVHD(r, r.size, "seed"); err != nil {
			f.Fatalf("seed does not open: %v", err)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fix := range []bool{false, true} {
			in := bytes.Clone(b)
			r, head, foot, ok := ungap(in, 512)
			if !ok {
				return
			}
			if fix {
				fixVHDChecksums(head, foot)
			}
			if img, err := newVHD(r, r.size, "fuzz"); err == nil {
				exercise(t, img)
			}
		}
	})
}

// pieceReader is a sparse file: pieces of bytes at offsets, zeros elsewhere.
type pieceReader struct {
	size   int64
	pieces []piece
}

type piece struct {
	off int64
	b   []byte
}

func (r pieceReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= r.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), r.size-off))
	zero(p[:n])
	for _, pc := range r.pieces {
		lo, hi := max(off, pc.off), min(off+int64(n), pc.off+int64(len(pc.b)))
		if lo < hi {
			copy(p[lo-off:hi-off], pc.b[lo-pc.off:hi-pc.off])
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// vhdxLayout maps a compact fuzz input onto the places qemu-img puts VHDX
// structures (1 MiB blocks): file identifier, both headers, both region
// tables, the BAT at 2 MiB, the metadata table and items at 3 MiB and
// 3 MiB + 64 KiB, and the first payload block at 8 MiB. Only the first
// bytes of each are carried; the rest of the 9 MiB file is zeros.
var vhdxLayout = []struct{ off, n int64 }{
	{0, 1 << 10}, {vhdxHeader1, vhdxHeaderSize}, {vhdxHeader2, vhdxHeaderSize},
	{vhdxRegion1, 1 << 10}, {vhdxRegion1 + vhdxRegionSize, 1 << 10},
	{2 << 20, 1 << 10}, {3 << 20, 1 << 10}, {3<<20 + 64<<10, 1 << 10}, {8 << 20, 1 << 10},
}

// vhdxPieces rebuilds the virtual file; with fix, headers and the first
// region table get correct CRC-32C checksums.
func vhdxPieces(b []byte, fix bool) pieceReader {
	r := pieceReader{size: 9 << 20}
	for _, l := range vhdxLayout {
		k := min(int64(len(b)), l.n)
		pc := piece{l.off, b[:k]}
		b = b[k:]
		if fix && (l.off == vhdxHeader1 || l.off == vhdxHeader2 || l.off == vhdxRegion1) {
			n := int64(vhdxHeaderSize)
			if l.off == vhdxRegion1 {
				n = vhdxRegionSize
			}
			blk := make([]byte, n)
			copy(blk, pc.b)
			binary.LittleEndian.PutUint32(blk[4:], 0)
			binary.LittleEndian.PutUint32(blk[4:], crc32.Checksum(blk, crc32.MakeTable(crc32.Castagnoli)))
			pc.b = blk
		}
		r.pieces = append(r.pieces, pc)
	}
	return r
}

func FuzzVHDX(f *testing.F) {
	full := tinyFixture(f, "t.vhdx", "-O", "vhdx", "-o", "block_size=1048576")
	var seed []byte
	for _, l := range vhdxLayout {
		seed = append(seed, full[l.off:l.off+l.n]...)
	}
	r := vhdxPieces(seed, false)
	if _, err := newVHDX(r, r.size, "seed"); err != nil {
		f.Fatalf("seed does not open (qemu-img layout changed?): %v", err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fix := range []bool{false, true} {
			r := vhdxPieces(b, fix)
			if img, err := newVHDX(r, r.size, "fuzz"); err == nil {
				exercise(t, img)
			}
		}
	})
}

func FuzzVMDKDescriptor(f *testing.F) {
	needTool(f, "qemu-img", "qemu-utils")
	dir := f.TempDir()
	run(f, dir, "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", "d.vmdk", "1M")
	desc, err := os.ReadFile(filepath.Join(dir, "d.vmdk"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(desc)
	f.Add([]byte("# Disk DescriptorFile\ncreateType=\"custom\"\nRW 8 FLAT \"a b.bin\" 2\nRDONLY 4 ZERO\nNOACCESS 1 SPARSE \"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseVMDKDescriptor(b)
		if err != nil {
			return
		}
		for _, e := range d.extents {
			if e.sectors < 0 || e.offset < 0 {
				t.Fatalf("negative extent %+v", e)
			}
		}
	})
}

func FuzzVMDKSparse(f *testing.F) {
	// Header, descriptor, grain directory and tables, and 2 KiB of the
	// first grain; the rest of the file becomes the gap.
	seed := gapped(tinyFixture(f, "s.vmdk", "-O", "vmdk"), 66<<10, 0)
	r, _, _, _ := ungap(seed, 0)
	if _, err := newVMDKSparse(r, r.size, "seed"); err != nil {
		f.Fatalf("seed does not open: %v", err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _, _, ok := ungap(b, 0)
		if !ok {
			return
		}
		if img, err := newVMDKSparse(r, r.size, "fuzz"); err == nil {
			exercise(t, img)
		}
	})
}

// FuzzOpen writes the input to a temporary file and opens it by content.
func FuzzOpen(f *testing.F) {
	needTool(f, "qemu-img", "qemu-utils")
	dir := f.TempDir()
	for _, args := range [][]string{{"vpc", "e.vhd", "1M"}, {"vpc", "-o", "subformat=fixed", "f.vhd", "16K"}, {"vmdk", "e.vmdk", "64K"}} {
		run(f, dir, "qemu-img", append([]string{"create", "-q", "-f"}, args...)...)
		b, err := os.ReadFile(filepath.Join(dir, args[len(args)-2]))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("# Disk DescriptorFile\ncreateType=\"monolithicFlat\"\nRW 2 FLAT \"fuzz.001\" 0\n"))
	f.Add([]byte("vhdxfile"))
	f.Add([]byte("plain raw bytes"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.001")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := Open(p)
		if err != nil {
			return
		}
		defer img.Close()
		exercise(t, img)
	})
}
