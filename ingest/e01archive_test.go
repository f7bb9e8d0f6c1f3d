package ingest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"scrim/ingest/evidence"
	"scrim/internal/benchrow"
	"scrim/store"
)

// TestE01SegmentsInArchives: an E01 that ewfacquire split over several
// segments, put whole in a stored ZIP (inside a folder of it), a deflated
// ZIP and a TAR, opens with all its segments found among the archive's
// members: the files Scrim lists equal `fls -r -p` on the raw image (live
// and deleted), contents equal `icat`, the later segments are not walked
// again nor noted, and every picture reads back through its chain. An
// archive missing a middle segment names it in a note and the rest of the
// image is still walked.
func TestE01SegmentsInArchives(t *testing.T) {
	for _, n := range []string{"fls", "icat", "mcopy", "ewfacquire", "zip", "tar", "7z", "mkntfs", "ntfscp"} {
		tool(t, t.TempDir(), "sh", "-c", "command -v "+n)
	}
	work := t.TempDir()
	ev := filepath.Join(work, "evidence")
	os.MkdirAll(ev, 0o755)
	pics := map[string][]byte{}
	for i, n := range []string{"a.jpg", "b.jpg", "gone.jpg", "n1.jpg", "n2.jpg"} {
		pics[n] = testJPEG(t, uint64(60+i))
	}
	filler := make([]byte, 3<<20) // spreads the E01 over several segments
	for i := range filler {
		filler[i] = byte(i*7919>>3) ^ byte(i>>11)
	}
	fat := fatImage(t, work, "fat.img", 4096, map[string][]byte{"a.jpg": pics["a.jpg"], "b.jpg": pics["b.jpg"], "gone.jpg": pics["gone.jpg"], "filler.bin": filler}, "gone.jpg")
	ntfs := ntfsImage(t, work, "ntfs.img", 8, map[string][]byte{"n1.jpg": pics["n1.jpg"], "n2.jpg": pics["n2.jpg"]})
	acquire := func(img, dir string) []string {
		os.MkdirAll(dir, 0o755)
		tool(t, work, "ewfacquire", "-u", "-q", "-t", filepath.Join(dir, "disk"), "-f", "encase6", "-c", "none",
			"-S", "1MiB", "-C", "CASE-2", "-E", "EXH-2", "-e", "examiner", "-D", "in archive", "-N", "none", "-m", "fixed", "-M", "physical", img)
		segs, _ := filepath.Glob(filepath.Join(dir, "disk.E*"))
		if len(segs) < 3 {
			t.Fatalf("ewfacquire wrote %v", segs)
		}
		names := make([]string, len(segs))
		for i, s := range segs {
			names[i] = filepath.Base(s)
		}
		return names
	}
	fatSegs := acquire(fat, filepath.Join(work, "fat", "case"))
	ntfsSegs := acquire(ntfs, filepath.Join(work, "ntfs"))
	inCase := make([]string, len(fatSegs))
	for i, s := range fatSegs {
		inCase[i] = "case/" + s
	}
	tool(t, filepath.Join(work, "fat"), "zip", append([]string{"-q", "-0", filepath.Join(ev, "stored.zip")}, inCase...)...)
	tool(t, filepath.Join(work, "fat", "case"), "zip", append([]string{"-q", "-9", filepath.Join(ev, "deflated.zip")}, fatSegs...)...)
	tool(t, filepath.Join(work, "ntfs"), "tar", append([]string{"cf", filepath.Join(ev, "ntfs.tar")}, ntfsSegs...)...)
	tool(t, filepath.Join(work, "fat", "case"), "7z", append([]string{"a", "-bd", "-y", filepath.Join(ev, "disk.7z")}, fatSegs...)...)
	// The same FAT image without its second segment.
	var gap []string
	for _, s := range fatSegs {
		if s != "disk.E02" {
			gap = append(gap, s)
		}
	}
	tool(t, filepath.Join(work, "fat", "case"), "zip", append([]string{"-q", "-0", filepath.Join(ev, "gap.zip")}, gap...)...)

	st := openCase(t)
	sum := ingestAll(t, st, ev, Options{Workers: 2})
	all := occurrencesByPath(t, st)
	for _, c := range []struct{ img, prefix, fs string }{
		{fat, "/stored.zip » case/disk.E01", "whole disk (fat12"},
		{fat, "/deflated.zip » disk.E01", "whole disk (fat12"},
		{ntfs, "/ntfs.tar » disk.E01", "whole disk (ntfs"},
		{fat, "/disk.7z » disk.E01", "whole disk (fat12"},
	} {
		agreeWithTSK(t, all, c.img, c.prefix, c.fs)
	}
	for p := range all {
		for _, seg := range []string{"disk.E02", "disk.E03"} {
			if strings.Contains(p, seg+" » ") {
				t.Errorf("a later segment walked as a disk of its own: %s", p)
			}
		}
	}
	notes := strings.Join(sum.Notes, "\n")
	for _, not := range []string{"stored.zip", "deflated.zip", "ntfs.tar", "disk.7z", "disk.E02 is a disk image", "disk.E03 is a disk image"} {
		for _, n := range sum.Notes {
			if strings.Contains(n, not) {
				t.Errorf("note about an image with all its segments: %s", n)
			}
		}
	}
	if !strings.Contains(notes, "disk image /gap.zip » disk.E01 (ewf): segment disk.E02 is missing: not found inside /gap.zip") {
		t.Errorf("no note on the missing segment in:\n%s", notes)
	}
	if o := all["/gap.zip » disk.E01 » whole disk (fat12) » /DCIM/a.jpg"]; o.SHA256 != sha(pics["a.jpg"]) {
		t.Errorf("the readable part of the E01 missing a segment: a.jpg %+v", o)
	}
	consistent(t, st)

	// Every picture inside the E01s reads back through its chain, its
	// segments found in the archive again.
	var want []evidence.Locator
	var paths []string
	for p, o := range all {
		if !o.Embedded || o.SHA256 == "" || !strings.HasSuffix(p, ".jpg") || strings.HasPrefix(p, "/gap.zip") {
			continue
		}
		top, names, err := st.Outermost(o)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, evidence.Locator{Path: top.Path, Chain: strings.Join(names, evidence.ChainSeparator)})
		paths = append(paths, p)
	}
	if len(want) != 11 { // a, b, gone in each FAT copy; n1, n2 in the NTFS
		t.Fatalf("%d pictures to read back: %v", len(want), paths)
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
		if got[i] != all[p].SHA256 {
			t.Errorf("%s read back as %q, recorded %s", p, got[i], all[p].SHA256)
		}
	}
	// The compressed segments' temporary copies are gone.
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("scrim-video-%d-segment-*", os.Getpid()))); len(left) > 0 {
		t.Errorf("temporary copies left after read-back: %v", left)
	}
	again := ingestAll(t, st, ev, Options{Workers: 2})
	if again.Added != 0 || again.Skipped != sum.Seen {
		t.Fatalf("second run %+v after %+v", again, sum)
	}
}

// BenchmarkE01SegmentsInArchive: ingesting an E01 split into 1 MiB
// segments (a 24 MiB FAT image holding pictures and 16 MiB of other
// data) from a stored ZIP (segments read in place) and from a deflated
// ZIP (segments copied to the temporary area), against the same segments
// loose in a folder, measured in the same run.
func BenchmarkE01SegmentsInArchive(b *testing.B) {
	row := benchrow.Start("ingest/e01-in-zip")
	for _, n := range []string{"mkfs.vfat", "mcopy", "ewfacquire", "zip"} {
		if _, err := exec.LookPath(n); err != nil {
			b.Skipf("%s missing", n)
		}
	}
	work := b.TempDir()
	run := func(dir, name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "MTOOLS_SKIP_CHECK=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	img := filepath.Join(work, "fat.img")
	run(work, "mkfs.vfat", "--invariant", "-C", img, strconv.Itoa(24<<10))
	filler := make([]byte, 16<<20)
	for i := range filler {
		filler[i] = byte(i*7919>>3) ^ byte(i>>11)
	}
	os.WriteFile(filepath.Join(work, "filler.bin"), filler, 0o644)
	run(work, "mcopy", "-i", img, filepath.Join(work, "filler.bin"), "::/filler.bin")
	for i := range 20 {
		p := filepath.Join(work, fmt.Sprintf("p%02d.jpg", i))
		os.WriteFile(p, testJPEGB(b, uint64(300+i)), 0o644)
		run(work, "mcopy", "-i", img, p, "::/")
	}
	folder := filepath.Join(work, "folder")
	os.MkdirAll(folder, 0o755)
	run(work, "ewfacquire", "-u", "-q", "-t", filepath.Join(folder, "disk"), "-f", "encase6", "-c", "none", "-S", "1MiB",
		"-C", "B", "-E", "B", "-e", "b", "-D", "bench", "-N", "none", "-m", "fixed", "-M", "physical", img)
	segs, _ := filepath.Glob(filepath.Join(folder, "disk.E*"))
	var names []string
	for _, s := range segs {
		names = append(names, filepath.Base(s))
	}
	stored, deflated := filepath.Join(work, "stored"), filepath.Join(work, "deflated")
	os.MkdirAll(stored, 0o755)
	os.MkdirAll(deflated, 0o755)
	run(folder, "zip", append([]string{"-q", "-0", filepath.Join(stored, "e01.zip")}, names...)...)
	run(folder, "zip", append([]string{"-q", "-1", filepath.Join(deflated, "e01.zip")}, names...)...)

	ingestOnce := func(root string) (time.Duration, int64) {
		st, err := store.Open(filepath.Join(b.TempDir(), "case"), store.Options{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		src, err := evidence.Open(root)
		if err != nil {
			b.Fatal(err)
		}
		id, err := EvidenceID(st, root, "")
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		sum, err := New(st, Options{Workers: 2}).Ingest(context.Background(), src, id)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(t0), sum.Added
	}
	var tf, ts, td time.Duration
	for range b.N {
		d, nf := ingestOnce(folder)
		tf += d
		d, ns := ingestOnce(stored)
		ts += d
		d, nd := ingestOnce(deflated)
		td += d
		if ns < 20 || nd < 20 || nf < 20 {
			b.Fatalf("pictures added: folder %d, stored ZIP %d, deflated ZIP %d", nf, ns, nd)
		}
	}
	b.ReportMetric(float64(ts)/float64(tf), "x-stored-zip-vs-folder")
	b.ReportMetric(float64(td)/float64(tf), "x-deflated-zip-vs-folder")
	b.Logf("%d segments: folder %v, stored ZIP %v (%.2f×), deflated ZIP %v (%.2f×)", len(names),
		tf/time.Duration(b.N), ts/time.Duration(b.N), float64(ts)/float64(tf), td/time.Duration(b.N), float64(td)/float64(tf))
	row.Log(b, fmt.Sprintf("ingest of a 24 MiB FAT image as %d E01 segments inside a ZIP", len(names)),
		fmt.Sprintf("stored ZIP %s, deflated ZIP %s", benchrow.Seconds(ts/time.Duration(b.N)), benchrow.Seconds(td/time.Duration(b.N))),
		"the same segments loose in a folder "+benchrow.Seconds(tf/time.Duration(b.N)), float64(tf)/float64(ts))
}

// testJPEGB is a small generated JPEG for benchmarks, different per seed.
func testJPEGB(b *testing.B, seed uint64) []byte {
	b.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x*4) ^ uint8(seed*13), uint8(y * 5), uint8(seed * 40), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
