package fat

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// tool finds an external program. Missing tools skip the test on a
// developer machine but fail under CI, naming the Debian package.
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

func runTool(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1", "TZ=UTC", "LC_ALL=C.UTF-8")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, errb.String())
	}
	return out.Bytes()
}

func randBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// fixture is an image made by mkfs.vfat and mtools, and the bytes of every
// file ever written to it (by md5), live or since deleted.
type fixture struct {
	img     string
	written map[string]string // md5 -> path it was written under
}

// makeFixture builds a FAT image: nested directories, long names with
// spaces and non-ASCII, attributes, an empty file, a fragmented file (A, B,
// C written, B deleted, a larger D written), a many-entry directory, then
// deletions with mdel and mdeltree.
func makeFixture(t testing.TB, fatBits string, kib int, spc string) *fixture {
	mkfs := tool(t, "mkfs.vfat", "dosfstools")
	mcopy := tool(t, "mcopy", "mtools")
	dir := t.TempDir()
	img := filepath.Join(dir, "fat"+fatBits+".img")
	runTool(t, mkfs, "-C", "-F", fatBits, "-s", spc, "-n", "SCRIMTEST", img, itoa(kib))
	fx := &fixture{img: img, written: map[string]string{}}
	cb := atoi(spc) * 512
	seed := int64(1)
	put := func(path string, size int) {
		seed++
		data := randBytes(size, seed)
		src := filepath.Join(dir, "src")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		runTool(t, mcopy, "-i", img, src, "::"+path)
		fx.written[md5hex(data)] = path
	}
	mm := func(args ...string) {
		runTool(t, tool(t, args[0], "mtools"), append([]string{"-i", img}, args[1:]...)...)
	}
	mm("mmd", "::/DCIM", "::/DCIM/100CANON", "::/Long Dir Näme", "::/gone", "::/gone/inner",
		"::/a", "::/a/b", "::/a/b/c", "::/many")
	put("/DCIM/100CANON/IMG_0001.JPG", 3000)
	put("/DCIM/100CANON/IMG_0002.JPG", 20000)
	put("/Long Dir Näme/a file with spaces ü.jpeg", 5000)
	put("/Long Dir Näme/日本語の名前.png", 7777)
	put("/Long Dir Näme/some deleted long name.jpg", 4100)
	put("/hidden.txt", 10)
	put("/system.sys", 600)
	put("/readonly.txt", 100)
	put("/EMPTY.DAT", 0)
	put("/a/b/c/deep file.bin", 1234)
	put("/gone/x.txt", 100)
	put("/gone/inner/long deleted name.bin", 3000)
	// One mcopy for the many-entry directory keeps the fixture quick.
	many := filepath.Join(dir, "many")
	os.Mkdir(many, 0o755)
	args := []string{"-i", img}
	for i := range 40 {
		seed++
		data := randBytes(700+i, seed)
		name := "picture number " + itoa(i) + " with a long name.jpg"
		if err := os.WriteFile(filepath.Join(many, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, filepath.Join(many, name))
		fx.written[md5hex(data)] = "/many/" + name
	}
	runTool(t, mcopy, append(args, "::/many/")...)
	put("/frag_A.bin", 3*cb)
	put("/frag_B.bin", 2*cb)
	put("/frag_C.bin", 3*cb)
	mm("mdel", "::/frag_B.bin")
	put("/frag_D.bin", 5*cb+17)
	// A deleted entry whose clusters a later file takes over.
	put("/DCIM/100CANON/IMG_0003.JPG", 2*cb)
	mm("mdel", "::/DCIM/100CANON/IMG_0003.JPG")
	put("/a/b/reuse.bin", 3*cb)
	mm("mattrib", "+h", "::/hidden.txt")
	mm("mattrib", "+s", "::/system.sys")
	mm("mattrib", "+r", "::/readonly.txt")
	mm("mdel", "::/DCIM/100CANON/IMG_0002.JPG", "::/Long Dir Näme/some deleted long name.jpg", "::/many/picture number 7 with a long name.jpg")
	mm("mdeltree", "::/gone")
	return fx
}

func itoa(i int) string { return strconv.Itoa(i) }

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func readAll(t testing.TB, r io.ReaderAt, size int64) []byte {
	t.Helper()
	b := make([]byte, size)
	if size == 0 {
		return b
	}
	n, err := r.ReadAt(b, 0)
	if int64(n) != size || (err != nil && err != io.EOF) {
		t.Fatalf("read %d of %d: %v", n, size, err)
	}
	return b
}
