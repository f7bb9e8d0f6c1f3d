package exfat

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"scrim/ingest/fsys"
)

// need finds an external program. Missing tools skip the test on a
// developer machine but fail under CI, naming the Debian package.
func need(t testing.TB, name, debPkg string) string {
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

// run runs a tool with TZ=UTC (TSK prints wall-clock times in TZ).
func runTool(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C.UTF-8")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, errb.String())
	}
	return out.Bytes()
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func randBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// picture encodes a w×h JPEG of seeded noise over a gradient: a few tens of
// KiB that no two seeds share.
func picture(w, h int, seed int64) []byte {
	r := rand.New(rand.NewSource(seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x + r.Intn(64)), uint8(y + r.Intn(64)), uint8(seed*37 + int64(r.Intn(64))), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	return b.Bytes()
}

const clusterSize = 4096

// cardTree writes the fixture's source tree: nested directories of JPEGs,
// long UTF-16 names, an empty file, a file with a known mtime, and the
// frag/ and reuse/ sets exfat-card.sh writes in order.
func cardTree(t testing.TB, src string) {
	t.Helper()
	put := func(p string, data []byte) {
		full := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seed := int64(1)
	pic := func(p string, w, h int) { seed++; put(p, picture(w, h, seed)) }
	for i := 1; i <= 12; i++ {
		pic(filepath.Join("DCIM", "100CANON", "IMG_"+itoa4(i)+".jpg"), 160+8*i, 120+4*i)
	}
	for i := 1; i <= 3; i++ {
		pic(filepath.Join("DCIM", "old", "OLD_"+itoa4(i)+".jpg"), 200, 150)
	}
	long := filepath.Join("Lång mappnamn med ÜTF-16 tecken", "日本語のフォルダ")
	pic(filepath.Join(long, "a very long picture name that needs more than one name entry, twice over.jpg"), 220, 160)
	pic(filepath.Join(long, "写真 ☃ 2.jpg"), 180, 140)
	pic(filepath.Join(long, "写真 ☃ 3.jpg"), 180, 141)
	pic(filepath.Join(long, "写真 ☃ 4.jpg"), 180, 142)
	pic("known-time.jpg", 64, 64)
	put("empty.jpg", nil)
	for d := range 3 {
		for i := range 4 {
			pic(filepath.Join("nested", "level "+itoa4(d), "deeper", "p"+itoa4(i)+".jpg"), 150+i, 100+d)
		}
	}
	put("frag/A", randBytes(3*clusterSize, 101))
	put("frag/B", randBytes(2*clusterSize, 102))
	put("frag/C", randBytes(3*clusterSize, 103))
	put("frag/D", randBytes(5*clusterSize+17, 104))
	put("frag/P", randBytes(2*clusterSize, 107))
	put("frag/Q", randBytes(2*clusterSize, 108))
	put("frag/R", randBytes(2*clusterSize, 109))
	put("frag/E", randBytes(5*clusterSize-100, 110))
	put("reuse/X", randBytes(3*clusterSize-5, 105))
	put("reuse/later/Y", randBytes(5*clusterSize, 106))
}

func itoa4(i int) string {
	s := "000" + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
	return s[len(s)-4:]
}

// card builds testdata/disks/exfat-card.sh's image from cardTree (wrap
// "mbr" puts it in a partitioned disk) and returns it with the source tree
// and the deleted paths.
func card(t testing.TB, wrap string) (img, src string, deleted []string) {
	t.Helper()
	src = filepath.Join(t.TempDir(), "src")
	cardTree(t, src)
	img, deleted = cardFrom(t, src, wrap)
	return img, src, deleted
}

// cardFrom runs exfat-card.sh on the tree src.
func cardFrom(t testing.TB, src, wrap string) (img string, deleted []string) {
	t.Helper()
	need(t, "mkfs.exfat", "exfatprogs")
	need(t, "mount.exfat-fuse", "exfat-fuse")
	need(t, "losetup", "mount")
	img = filepath.Join(t.TempDir(), "card.img")
	script, _ := filepath.Abs("../../../testdata/disks/exfat-card.sh")
	cmd := exec.Command("bash", script, img, src, wrap)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 77 {
		if os.Getenv("CI") != "" {
			t.Fatalf("loop device or exfat-fuse mount unavailable: %s", errb.String())
		}
		t.Skipf("loop device or exfat-fuse mount unavailable (needs root, /dev/fuse): %s", errb.String())
	}
	if err != nil {
		t.Fatalf("exfat-card.sh: %v\n%s", err, errb.String())
	}
	return img, strings.Split(strings.TrimSpace(string(out)), "\n")
}

// openFile opens an image file as one exFAT volume.
func openFile(t testing.TB, img string) *FS {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, _ := f.Stat()
	v, err := Open(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return v.(*FS)
}

func walkAll(t testing.TB, v fsys.FS) []fsys.File {
	t.Helper()
	var all []fsys.File
	if err := v.Walk(context.Background(), func(f fsys.File) error { all = append(all, f); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

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
