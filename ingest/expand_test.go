package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/store"
)

// testJPEG is a small generated picture, distinct per seed.
func testJPEG(t *testing.T, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x*4 + r.IntN(8)), uint8(y * 5), uint8(seed * 40), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// tool runs a real archiver in dir; missing tools skip the test unless CI
// is set (make deps installs them).
func tool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing", name)
		}
		t.Skipf("%s missing (apt-get install the APT_TEST packages)", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func occurrencesByPath(t *testing.T, st *store.Store) map[string]store.Occurrence {
	t.Helper()
	all := map[string]store.Occurrence{}
	err := st.EachOccurrence("", func(o store.Occurrence) error {
		all[o.Path] = o
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// TestExpandArchives builds archives with the real tools and finds every
// picture in them, by content: a zip in a tar.gz in a zip, tar.xz,
// tar.zst, bzip2, 7z, a ZIP renamed .txt, a JPEG after 1572 random bytes;
// an encrypted member is recorded as such.
func TestExpandArchives(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	ev := filepath.Join(work, "evidence")
	pics := map[string][]byte{}
	for i, n := range []string{"a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg", "g.jpg", "h.jpg", "i.jpg"} {
		pics[n] = testJPEG(t, uint64(i+1))
		write(t, filepath.Join(src, n), pics[n])
	}
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	tool(t, src, "zip", "-q", "inner.zip", "a.jpg")
	tool(t, src, "tar", "czf", "nest.tar.gz", "inner.zip", "b.jpg")
	tool(t, src, "zip", "-q", filepath.Join(ev, "outer.zip"), "nest.tar.gz", "c.jpg")
	tool(t, src, "tar", "cJf", filepath.Join(ev, "pics.tar.xz"), "d.jpg")
	tool(t, src, "tar", "--zstd", "-cf", filepath.Join(ev, "pics.tar.zst"), "e.jpg")
	tool(t, src, "bzip2", "-k", "f.jpg")
	if err := os.Rename(filepath.Join(src, "f.jpg.bz2"), filepath.Join(ev, "f.jpg.bz2")); err != nil {
		t.Fatal(err)
	}
	tool(t, src, "7z", "a", "-bd", "-bso0", filepath.Join(ev, "g.7z"), "g.jpg")
	tool(t, src, "zip", "-q", filepath.Join(ev, "notes.txt"), "h.jpg") // a renamed ZIP
	tool(t, src, "zip", "-q", "-P", "secret", filepath.Join(ev, "locked.zip"), "a.jpg")
	tool(t, src, "zip", "-q", "-fz", filepath.Join(ev, "z64.zip"), "c.jpg") // ZIP64 records forced
	tool(t, src, "img2pdf", "-o", filepath.Join(ev, "scan.pdf"), "a.jpg")   // a DCT stream is the JPEG as stored
	noise := make([]byte, 1572)
	rand.NewChaCha8([32]byte{1}).Read(noise)
	write(t, filepath.Join(ev, "appended.bin"), append(noise, pics["i.jpg"]...))

	st := openCase(t)
	sum := ingestAll(t, st, ev, Options{Workers: 2})
	all := occurrencesByPath(t, st)
	want := map[string]string{
		"/outer.zip » nest.tar.gz » nest.tar » inner.zip » a.jpg": "a.jpg",
		"/outer.zip » nest.tar.gz » nest.tar » b.jpg":             "b.jpg",
		"/outer.zip » c.jpg":               "c.jpg",
		"/pics.tar.xz » pics.tar » d.jpg":  "d.jpg",
		"/pics.tar.zst » pics.tar » e.jpg": "e.jpg",
		"/f.jpg.bz2 » f.jpg":               "f.jpg",
		"/g.7z » g.jpg":                    "g.jpg",
		"/notes.txt » h.jpg":               "h.jpg",
		"/appended.bin » carved@1572.jpeg": "i.jpg",
	}
	for p, name := range want {
		o, ok := all[p]
		if !ok {
			t.Errorf("%s not found", p)
			continue
		}
		if o.SHA256 != sha(pics[name]) || !o.Embedded || o.Error != "" {
			t.Errorf("%s: %+v", p, o)
		}
		parent, ok, err := st.Occurrence(o.Parent)
		if err != nil || !ok || !strings.HasPrefix(p, parent.Path+store.ChainSeparator) {
			t.Errorf("%s: parent %q not recorded (%v)", p, o.Parent, err)
		}
		m, ok, _ := st.Media(o.SHA256)
		if !ok || m.Kind != "picture" || m.PHash == "" {
			t.Errorf("%s: media %+v", p, m)
		}
	}
	locked := all["/locked.zip » a.jpg"]
	if !locked.Embedded || locked.Error != "encrypted, not readable" || locked.SHA256 != "" {
		t.Errorf("encrypted member: %+v", locked)
	}
	stats, _ := st.Stats()
	if stats.Embedded != 17 || stats.Live != 10 { // 11 pictures, 5 archives between, 1 locked
		t.Errorf("stats: %+v", stats.Counts)
	}
	consistent(t, st)

	// A second run finds it all recorded and adds nothing.
	again := ingestAll(t, st, ev, Options{Workers: 2})
	if again.Added != 0 || again.Skipped != sum.Seen {
		t.Fatalf("second run %+v after %+v", again, sum)
	}
	if n := len(occurrencesByPath(t, st)); n != len(all) {
		t.Fatalf("%d places after the second run, %d before", n, len(all))
	}
}

// TestExpandHostile: truncated archives, a member named ../../x.jpg, an
// archive holding itself, and the depth limit: each is a clear note or a
// place shown by name; nothing is written beside the evidence.
func TestExpandHostile(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "evidence")
	pic := testJPEG(t, 42)
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("../../x.jpg")
	w.Write(pic)
	zw.Close()
	write(t, filepath.Join(ev, "evil.zip"), z.Bytes())
	write(t, filepath.Join(ev, "cut.zip"), z.Bytes()[:len(z.Bytes())/2])
	// Five levels of zip in zip around one picture.
	level := pic
	name := "deep.jpg"
	for i := range 5 {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		w, _ := zw.Create(name)
		w.Write(level)
		zw.Close()
		level, name = b.Bytes(), "level"+strconv.Itoa(i)+".zip"
	}
	write(t, filepath.Join(ev, "deep.zip"), level)
	// A gzip of a gzip of nothing: an empty member at the bottom.
	write(t, filepath.Join(ev, "empty.gz"), gzipOf(t, gzipOf(t, nil)))

	st := openCase(t)
	sum := ingestAll(t, st, ev, Options{Workers: 1, Expand: expand.Limits{MaxDepth: 3}})
	all := occurrencesByPath(t, st)
	if o := all["/evil.zip » ../../x.jpg"]; o.SHA256 != sha(pic) {
		t.Errorf("../../x.jpg: %+v", o)
	}
	if _, err := os.Stat(filepath.Join(ev, "..", "x.jpg")); err == nil {
		t.Error("x.jpg was written beside the evidence")
	}
	if o := all["/cut.zip"]; o.SHA256 == "" {
		t.Errorf("the truncated zip itself is lost: %+v", o)
	}
	notes := strings.Join(sum.Notes, "\n")
	for _, want := range []string{"expansion: /cut.zip is damaged or unreadable as zip", "expansion depth limit (3) hit at /deep.zip » level3.zip » level2.zip » level1.zip"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if _, ok := all["/deep.zip » level3.zip » level2.zip » level1.zip » level0.zip"]; ok {
		t.Error("expanded past the depth limit")
	}
	e, _, _ := st.Evidence(sum.Evidence)
	if !strings.Contains(strings.Join(e.Notes, "\n"), "expansion depth limit") {
		t.Errorf("evidence notes: %v", e.Notes)
	}
}

func gzipOf(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	gw.Write(b)
	gw.Close()
	return out.Bytes()
}

// TestExpandBomb: a 3-level bomb, 200 MiB of zeros at each level, stays
// under 1 GiB of peak memory; the byte, ratio and member limits each stop
// it with a named note on the evidence.
func TestExpandBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 600 MiB of deflate")
	}
	ev := filepath.Join(t.TempDir(), "evidence")
	var inner []byte
	for level := range 3 {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
		w, _ := zw.Create("zeros" + strconv.Itoa(level))
		zero := make([]byte, 1<<20)
		for range 200 {
			w.Write(zero)
		}
		if inner != nil {
			w, _ := zw.Create("inner" + strconv.Itoa(level) + ".zip")
			w.Write(inner)
		}
		zw.Close()
		inner = b.Bytes()
	}
	write(t, filepath.Join(ev, "bomb.zip"), inner)

	for _, c := range []struct {
		lim  expand.Limits
		note string
	}{
		{expand.Limits{MaxBytes: 300 << 20}, "expansion bytes limit hit in /bomb.zip"},
		{expand.Limits{MaxRatio: 100}, "expansion ratio limit hit at /bomb.zip » zeros2"},
		{expand.Limits{MaxMembers: 3}, "expansion members limit hit in /bomb.zip"},
		{expand.Limits{}, "expansion ratio limit hit at /bomb.zip » zeros2"}, // zeros deflate 1029:1
		{expand.Limits{MaxRatio: 2000}, ""},
	} {
		st := openCase(t)
		sum := ingestAll(t, st, ev, Options{Workers: 2, Expand: c.lim})
		if c.note != "" && !strings.Contains(strings.Join(sum.Notes, "\n"), c.note) {
			t.Errorf("%+v: notes lack %q: %v", c.lim, c.note, sum.Notes)
		}
		if c.note == "" {
			all := occurrencesByPath(t, st)
			if o := all["/bomb.zip » inner2.zip » inner1.zip » zeros0"]; o.Size != 200<<20 || o.SHA256 == "" {
				t.Errorf("innermost zeros: %+v", o)
			}
		}
	}
	if peak := vmHWM(t); peak >= 1<<30 {
		t.Fatalf("peak RSS %d MiB", peak>>20)
	} else {
		t.Logf("peak RSS %d MiB", peak>>20)
	}
}

// vmHWM is this process's peak resident set.
func vmHWM(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}

// TestReadBackThroughChain reads embedded places back through their
// containers, the way the full view and the court package do, and checks
// each against its recorded SHA-256.
func TestReadBackThroughChain(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "src")
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	a, b := testJPEG(t, 1), testJPEG(t, 2)
	write(t, filepath.Join(src, "a.jpg"), a)
	write(t, filepath.Join(src, "b.jpg"), b)
	tool(t, src, "zip", "-q", "inner.zip", "a.jpg")
	tool(t, src, "tar", "czf", filepath.Join(ev, "nest.tgz"), "inner.zip", "b.jpg")
	noise := make([]byte, 1572)
	write(t, filepath.Join(ev, "appended.bin"), append(noise, b...))
	st := openCase(t)
	ingestAll(t, st, ev, Options{Workers: 1})
	all := occurrencesByPath(t, st)
	paths := []string{"/nest.tgz » nest.tar » inner.zip » a.jpg", "/nest.tgz » nest.tar » b.jpg", "/appended.bin » carved@1572.jpeg"}
	var want []evidence.Locator
	for _, p := range paths {
		top, names, err := st.Outermost(all[p])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, evidence.Locator{Path: top.Path, Chain: strings.Join(names, evidence.ChainSeparator)})
	}
	got := make([]string, len(want))
	err := evidence.ReadBack(context.Background(), ev, want, func(i int, c evidence.Content, size int64) error {
		buf := make([]byte, size)
		c.ReadAt(buf, 0)
		got[i] = sha(buf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		if got[i] == "" || got[i] != all[p].SHA256 {
			t.Errorf("%s read back as %q, recorded %s", p, got[i], all[p].SHA256)
		}
	}
}
