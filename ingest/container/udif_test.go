package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// mkdmg writes a DMG of raw with testdata/mkdmg, storing chunks with the
// methods given in turn.
func mkdmg(tb testing.TB, dir, raw, methods string, chunkSectors int) string {
	tb.Helper()
	needTool(tb, "bzip2", "bzip2")
	out := filepath.Join(dir, strings.ReplaceAll(methods, ",", "-")+".dmg")
	cmd := exec.Command("go", "run", "scrim/testdata/mkdmg", "-in", raw, "-out", out, "-methods", methods,
		"-chunk", strconv.Itoa(chunkSectors))
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("mkdmg: %v\n%s", err, b)
	}
	return out
}

// refRead converts a DMG to raw with an independent reader: qemu-img
// (zlib, raw and zero chunks; Debian builds it without the bzip2 and LZFSE
// modules) or Debian's dmg2img (zlib, bzip2, ADC; it misreads the hdiutil
// fixture's free chunks, so it checks only images made here).
func refRead(tb testing.TB, dmg, tool string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "ref.raw")
	var cmd *exec.Cmd
	switch tool {
	case "qemu-img":
		needTool(tb, "qemu-img", "qemu-utils")
		cmd = exec.Command("qemu-img", "convert", "-f", "dmg", "-O", "raw", dmg, out)
	default:
		needTool(tb, "dmg2img", "dmg2img")
		cmd = exec.Command("dmg2img", "-s", dmg, out)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", tool, dmg, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestUDIFFixtureMatchesQemu reads the DMG hdiutil made on macOS and
// requires the media qemu-img reads: a GPT disk whose HFS+ volume TSK
// names.
func TestUDIFFixtureMatchesQemu(t *testing.T) {
	path := fsystest.SharedFixture(t, "hfsplus_zlib.dmg")
	want := refRead(t, path, "qemu-img")
	img, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Format() != "dmg" || img.Size() != int64(len(want)) {
		t.Fatalf("format %q size %d; qemu-img reads %d bytes", img.Format(), img.Size(), len(want))
	}
	checkContent(t, img, want)
	// The HFS+ volume header sits 1024 bytes into the partition at sector 40.
	if !bytes.HasPrefix(want[40*512+1024:], []byte("H+\x00\x04")) {
		t.Error("no HFS+ volume header at sector 40")
	}
}

// TestUDIFChunkTypes builds DMGs with every chunk method Scrim decodes and
// checks them against the raw disk and against dmg2img.
func TestUDIFChunkTypes(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "img.raw")
	want := makeRaw(t, raw, 3<<20+5*512, 5)
	for _, tc := range []struct{ methods, ref string }{
		{"zlib", "qemu-img"}, {"raw", "qemu-img"}, {"raw,zlib", "qemu-img"},
		{"bzip2", "dmg2img"}, {"adc", "dmg2img"}, {"raw,zlib,bzip2,adc", "dmg2img"},
	} {
		t.Run(tc.methods, func(t *testing.T) {
			path := mkdmg(t, dir, raw, tc.methods, 256)
			if got := refRead(t, path, tc.ref); !bytes.Equal(got, want) {
				t.Fatalf("%s does not read the fixture back as the raw disk (%d bytes vs %d)", tc.ref, len(got), len(want))
			}
			img, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if p := img.(interface{ Problems() []string }).Problems(); len(p) != 0 {
				t.Errorf("problems on a whole image: %q", p)
			}
			checkContent(t, img, want)
		})
	}
}

func TestDecodeADCRejectsDamage(t *testing.T) {
	for name, src := range map[string][]byte{
		"copy before start": {0x40, 0x00, 0x05},
		"literal overrun":   {0x85, 'a'},
		"cut op":            {0x81, 'a', 'b', 0x40},
		"short input":       {0x80, 'a'},
	} {
		if err := decodeADC(make([]byte, 16), src); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestUDIFDamage opens damaged copies: clear errors or right bytes, never
// a panic.
func TestUDIFDamage(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "img.raw")
	want := makeRaw(t, raw, 2<<20, 3)
	good, err := os.ReadFile(mkdmg(t, dir, raw, "zlib,adc,bzip2", 64))
	if err != nil {
		t.Fatal(err)
	}
	tr := good[len(good)-512:]
	xmlOff := binary.BigEndian.Uint64(tr[216:])
	damage := map[string]func(b []byte) []byte{
		"truncated":         func(b []byte) []byte { return b[len(b)/2:] },
		"no trailer":        func(b []byte) []byte { return b[:len(b)-512] },
		"koly version 9":    func(b []byte) []byte { binary.BigEndian.PutUint32(b[len(b)-508:], 9); return b },
		"xml past end":      func(b []byte) []byte { binary.BigEndian.PutUint64(b[len(b)-512+224:], 1<<40); return b },
		"xml garbled":       func(b []byte) []byte { copy(b[xmlOff+100:], "<<<<&&&&"); return b },
		"sectors absurd":    func(b []byte) []byte { binary.BigEndian.PutUint64(b[len(b)-512+492:], 1<<60); return b },
		"sectors too few":   func(b []byte) []byte { binary.BigEndian.PutUint64(b[len(b)-512+492:], 10); return b },
		"chunk data ruined": func(b []byte) []byte { clear(b[100:4000]); return b },
	}
	for name, hurt := range damage {
		t.Run(name, func(t *testing.T) {
			b := hurt(bytes.Clone(good))
			img, err := newUDIF(bytes.NewReader(b), int64(len(b)), "damaged")
			if err != nil {
				return
			}
			buf := make([]byte, 64<<10)
			var failed bool
			for off := int64(0); off < img.Size(); off += int64(len(buf)) {
				n, err := img.ReadAt(buf, off)
				if err != nil && !errors.Is(err, os.ErrClosed) {
					failed = true
					continue
				}
				if !bytes.Equal(buf[:n], want[off:off+int64(n)]) {
					t.Fatalf("read at %d gave wrong bytes without an error", off)
				}
			}
			if name == "chunk data ruined" && !failed {
				t.Error("ruined chunk data read without an error")
			}
		})
	}
}

func TestUDIFEncryptedNamed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret.dmg")
	b := append([]byte("encrcdsa"), make([]byte, 8192)...)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p)
	if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "the key is needed") {
		t.Fatalf("Open = %v; want the encryption named", err)
	}
}

func FuzzUDIF(f *testing.F) {
	dir := f.TempDir()
	raw := filepath.Join(dir, "seed.raw")
	b := make([]byte, 64<<10)
	copy(b[3000:], "scrim fuzz seed")
	copy(b[40000:], bytes.Repeat([]byte("abcabcabd"), 300))
	if err := os.WriteFile(raw, b, 0o644); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(mkdmg(f, dir, raw, "raw,zlib,adc", 16))
	if err != nil {
		f.Fatal(err)
	}
	if _, err := newUDIF(bytes.NewReader(seed), int64(len(seed)), "seed"); err != nil {
		f.Fatalf("seed does not open: %v", err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		if img, err := newUDIF(bytes.NewReader(b), int64(len(b)), "fuzz"); err == nil {
			exercise(t, img)
		}
	})
}
