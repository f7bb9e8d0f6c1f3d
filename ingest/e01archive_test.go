package ingest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"scrim/ingest/evidence"
	"scrim/ingest/fsys/fsystest"
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
		got := underDisk(all, c.prefix)
		tsk := fsystest.FLS(t, c.img)
		if len(tsk) == 0 {
			t.Fatalf("fls lists nothing in %s", c.img)
		}
		for _, f := range tsk {
			k := f.Path + " " + strconv.FormatBool(f.Deleted)
			o, ok := got[k]
			if !ok {
				t.Errorf("%s: fls lists %s (deleted %v), Scrim does not; Scrim has %v", c.prefix, f.Path, f.Deleted, sortedKeys(got))
				continue
			}
			delete(got, k)
			if o.SHA256 != icatSHA(t, c.img, f.Inode) || !o.Embedded || o.Error != "" {
				t.Errorf("%s %s: %+v differs from icat", c.prefix, k, o)
			}
			if !strings.HasPrefix(o.Member, c.fs) {
				t.Errorf("%s: member %q does not name the volume as %s…)", k, o.Member, c.fs)
			}
		}
		for k := range got {
			t.Errorf("%s: Scrim lists %s, fls does not", c.prefix, k)
		}
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
