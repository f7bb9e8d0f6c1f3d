package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// qcowFixture converts a seeded raw image with qemu-img (args before the
// file names) and returns the raw bytes and the QCOW2 path.
func qcowFixture(t *testing.T, size int64, args ...string) ([]byte, string) {
	t.Helper()
	needTool(t, "qemu-img", "qemu-utils")
	dir := t.TempDir()
	raw := makeRaw(t, filepath.Join(dir, "img.raw"), size, 11)
	run(t, dir, "qemu-img", append(append([]string{"convert", "-f", "raw", "-O", "qcow2"}, args...), "img.raw", "img.qcow2")...)
	return raw, filepath.Join(dir, "img.qcow2")
}

func TestQCOW2Refusals(t *testing.T) {
	needTool(t, "qemu-img", "qemu-utils")
	dir := t.TempDir()
	run(t, dir, "qemu-img", "create", "-q", "-f", "qcow2", "base.qcow2", "4M")
	run(t, dir, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", "top.qcow2")
	createEncryptedQCOW2(t, dir, "enc.qcow2")
	for _, tc := range []struct{ file, want string }{
		{"top.qcow2", `has a backing file "base.qcow2"`},
		{"enc.qcow2", "encrypted (LUKS): not read, the key is needed"},
	} {
		_, err := Open(filepath.Join(dir, tc.file))
		if err == nil || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s) = %v; want ErrUnsupported saying %q", tc.file, err, tc.want)
		}
	}
}

// createEncryptedQCOW2 makes a LUKS-encrypted QCOW2. qemu-img times its
// PBKDF2 on the thread's CPU clock and gives up ("Unable to get accurate CPU
// usage") when a loaded machine reports no CPU time for the sample, so a few
// tries are allowed before the failure counts.
func createEncryptedQCOW2(t *testing.T, dir, name string) {
	t.Helper()
	args := []string{"create", "-q", "--object", "secret,id=sec0,data=123456", "-f", "qcow2",
		"-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=50", name, "4M"}
	var out []byte
	var err error
	for try := 0; try < 5; try++ {
		cmd := exec.Command("qemu-img", args...)
		cmd.Dir = dir
		if out, err = cmd.CombinedOutput(); err == nil {
			return
		}
		os.Remove(filepath.Join(dir, name))
	}
	t.Fatalf("qemu-img %s: %v\n%s", strings.Join(args, " "), err, out)
}

// TestQCOW2Damage opens damaged copies of a real image: each is a clear
// error at open or at read, never a panic or a wrong byte.
func TestQCOW2Damage(t *testing.T) {
	raw, path := qcowFixture(t, 4<<20, "-c", "-o", "cluster_size=4096")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := newQCOW2(bytes.NewReader(good), int64(len(good)), "good")
	if err != nil {
		t.Fatal(err)
	}
	checkContent(t, img, raw)
	l1 := binary.BigEndian.Uint64(good[40:])
	firstL2 := binary.BigEndian.Uint64(good[l1:]) & qcowOffsetMask
	// compressedAt finds a compressed cluster's host offset in any L2 table.
	compressedAt := func() uint64 {
		for i := range img.l1 {
			for k := img.l1[i]; k != 0 && k < img.l1[i]+4096; k += 8 {
				if e := binary.BigEndian.Uint64(good[k:]); e&qcowCompressed != 0 {
					return e & (1<<(62-(12-8)) - 1)
				}
			}
		}
		t.Fatal("no compressed cluster in the fixture")
		return 0
	}()
	damage := map[string]func(b []byte) []byte{
		"truncated to half": func(b []byte) []byte { return b[:len(b)/2] },
		"truncated header":  func(b []byte) []byte { return b[:50] },
		"zeroed header":     func(b []byte) []byte { clear(b[:512]); return b },
		"cluster bits 40":   func(b []byte) []byte { binary.BigEndian.PutUint32(b[20:], 40); return b },
		"L1 of 2^31 entries": func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[36:], 1<<31)
			return b
		},
		"L1 entry outside file": func(b []byte) []byte {
			binary.BigEndian.PutUint64(b[l1:], 1<<40)
			return b
		},
		"size of 2^60": func(b []byte) []byte { binary.BigEndian.PutUint64(b[24:], 1<<60); return b },
		"L2 entries point past the end": func(b []byte) []byte {
			for i := firstL2; i < firstL2+4096; i += 8 {
				if e := binary.BigEndian.Uint64(b[i:]); e != 0 {
					binary.BigEndian.PutUint64(b[i:], e|0x00ff_0000_0000_0000)
				}
			}
			return b
		},
		"compressed data garbled": func(b []byte) []byte {
			for k := compressedAt; k < compressedAt+64; k++ {
				b[k] ^= 0x5a
			}
			return b
		},
		"unknown incompatible feature": func(b []byte) []byte { b[79] |= 0x80; return b },
		"version 4":                    func(b []byte) []byte { binary.BigEndian.PutUint32(b[4:], 4); return b },
	}
	for name, hurt := range damage {
		t.Run(name, func(t *testing.T) {
			b := hurt(bytes.Clone(good))
			img, err := newQCOW2(bytes.NewReader(b), int64(len(b)), "damaged")
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !strings.Contains(err.Error(), "EOF") {
					t.Errorf("open error %v wraps neither ErrCorrupt nor ErrUnsupported", err)
				}
				return
			}
			// Opened: every read is right or an error, never wrong bytes.
			buf := make([]byte, 64<<10)
			for off := int64(0); off < img.Size(); off += int64(len(buf)) {
				n, err := img.ReadAt(buf, off)
				if err == nil && !bytes.Equal(buf[:n], raw[off:off+int64(n)]) && name != "compressed data garbled" {
					t.Fatalf("read at %d gave wrong bytes without an error", off)
				}
			}
		})
	}
}

func TestQCOW2Notes(t *testing.T) {
	_, path := qcowFixture(t, 1<<20)
	run(t, filepath.Dir(path), "qemu-img", "snapshot", "-c", "before", path)
	img, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	p := img.(interface{ Problems() []string }).Problems()
	if len(p) != 1 || !strings.Contains(p[0], "1 internal snapshot(s): only the current state is read") {
		t.Fatalf("Problems = %q, want the snapshot named", p)
	}
}

func FuzzQCOW2(f *testing.F) {
	for _, seed := range [][]byte{
		tinyFixture(f, "c.qcow2", "-O", "qcow2", "-c", "-o", "cluster_size=512"),
		tinyFixture(f, "v2.qcow2", "-O", "qcow2", "-o", "compat=0.10,cluster_size=512"),
		tinyFixture(f, "x.qcow2", "-O", "qcow2", "-o", "extended_l2=on,cluster_size=16384"),
	} {
		if _, err := newQCOW2(bytes.NewReader(seed), int64(len(seed)), "seed"); err != nil {
			f.Fatalf("seed does not open: %v", err)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if img, err := newQCOW2(bytes.NewReader(b), int64(len(b)), "fuzz"); err == nil {
			exercise(t, img)
			img.Close()
		}
	})
}
