package signature

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sharedFixture returns a file of ../shared/fixtures beside the project
// root: skipped when the folder is absent (a bare clone), fatal under CI.
func sharedFixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "fixtures", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("fixture %s missing: %v", name, err)
		}
		t.Skipf("fixture %s missing (see ../shared/fixtures/README.md): %v", name, err)
	}
	return p
}

// tool finds an external program: skip on a developer machine, fail in CI.
func tool(t testing.TB, name, debPkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found: apt-get install %s", name, debPkg)
	}
	t.Skipf("%s not found (apt-get install %s)", name, debPkg)
	return ""
}

func run(t testing.TB, stdin, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func sparse(t testing.TB, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func noise(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// BitLockerVolume builds a BitLocker volume as Windows 7 and later write
// it (libbde "BitLocker Drive Encryption (BDE) format", volume header): an
// NTFS-like boot sector whose OEM id is "-FVE-FS-", the BitLocker GUID at
// 160, the first FVE metadata block offset at 176 and a metadata block
// starting with "-FVE-FS-" (version 2) there; the rest is ciphertext.
func BitLockerVolume(size int, toGo bool) []byte {
	b := noise(size, 7)
	vbr := b[:512]
	clear(vbr)
	copy(vbr, "\xeb\x58\x90-FVE-FS-")
	binary.LittleEndian.PutUint16(vbr[11:], 512)
	vbr[13] = 8
	vbr[21] = 0xf8
	copy(vbr[160:], bitLockerGUID)
	meta := int64(0x2100000 % int64(size-4096))
	binary.LittleEndian.PutUint64(vbr[176:], uint64(meta))
	if toGo {
		// To Go: a FAT32 boot sector, GUID at 424, metadata offset at 440.
		clear(vbr)
		copy(vbr, "\xeb\x58\x90MSWIN4.1")
		binary.LittleEndian.PutUint16(vbr[11:], 512)
		vbr[13], vbr[14], vbr[16], vbr[21] = 8, 32, 2, 0xf8
		binary.LittleEndian.PutUint32(vbr[36:], 1000)
		copy(vbr[82:], "FAT32   ")
		copy(vbr[424:], bitLockerGUID)
		binary.LittleEndian.PutUint64(vbr[440:], uint64(meta))
	}
	vbr[510], vbr[511] = 0x55, 0xaa
	copy(b[meta:], "-FVE-FS-")
	binary.LittleEndian.PutUint16(b[meta+10:], 2)
	return b
}

// fletcher64 is the APFS object checksum over everything after it.
func fletcher64(blk []byte) uint64 {
	var s1, s2 uint64
	for i := 8; i+4 <= len(blk); i += 4 {
		s1 = (s1 + uint64(binary.LittleEndian.Uint32(blk[i:]))) % 0xffffffff
		s2 = (s2 + s1) % 0xffffffff
	}
	c1 := 0xffffffff - (s1+s2)%0xffffffff
	c2 := 0xffffffff - (s1+c1)%0xffffffff
	return c2<<32 | c1
}

// encryptAPFS clears APFS_FS_UNENCRYPTED in every volume superblock of an
// APFS image (as FileVault leaves it) and fixes the block checksum.
func encryptAPFS(t testing.TB, img []byte) []byte {
	t.Helper()
	out := bytes.Clone(img)
	const bs = 4096
	n := 0
	for off := 0; off+bs <= len(out); off += bs {
		blk := out[off : off+bs]
		if string(blk[32:36]) != "APSB" || binary.LittleEndian.Uint64(blk[0:]) != fletcher64(blk) {
			continue
		}
		f := binary.LittleEndian.Uint64(blk[apfsFSFlags:])
		binary.LittleEndian.PutUint64(blk[apfsFSFlags:], f&^fsUnencrypted)
		binary.LittleEndian.PutUint64(blk[0:], fletcher64(blk))
		n++
	}
	if n == 0 {
		t.Fatal("no volume superblock in the APFS image")
	}
	return out
}
