package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/ingest/fsys/fsystest"
	"scrim/store"
	"scrim/testdata/demo"
)

// fatImage makes a bare FAT12 image (no partition table) of kib KiB with
// mkfs.vfat and mtools holding pics (name → bytes) under /DCIM, then
// deletes the names in gone with mdel.
func fatImage(t *testing.T, dir, name string, kib int, pics map[string][]byte, gone ...string) string {
	t.Helper()
	img := filepath.Join(dir, name)
	tool(t, dir, "mkfs.vfat", "--invariant", "-n", "NESTED", "-C", img, strconv.Itoa(kib))
	t.Setenv("MTOOLS_SKIP_CHECK", "1")
	tool(t, dir, "mmd", "-i", img, "::/DCIM")
	for _, n := range sortedKeys(pics) {
		p := filepath.Join(dir, "src-"+n)
		write(t, p, pics[n])
		tool(t, dir, "mcopy", "-i", img, p, "::/DCIM/"+n)
	}
	for _, n := range gone {
		tool(t, dir, "mdel", "-i", img, "::/DCIM/"+n)
	}
	return img
}

// ntfsImage makes a bare NTFS image of mib MiB with mkntfs and ntfscp (no
// mount needed) holding pics at the root.
func ntfsImage(t *testing.T, dir, name string, mib int, pics map[string][]byte) string {
	t.Helper()
	img := filepath.Join(dir, name)
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, int64(mib)<<20); err != nil {
		t.Fatal(err)
	}
	tool(t, dir, "mkntfs", "-F", "-Q", "-q", "-s", "512", "-c", "4096", "-L", "NESTED", img)
	for _, n := range sortedKeys(pics) {
		p := filepath.Join(dir, "src-"+n)
		write(t, p, pics[n])
		tool(t, dir, "ntfscp", "-q", img, p, n)
	}
	return img
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func icatSHA(t *testing.T, img string, inode uint64) string {
	t.Helper()
	out, err := exec.Command("icat", img, strconv.FormatUint(inode, 10)).Output()
	if err != nil {
		t.Fatalf("icat %s %d: %v", img, inode, err)
	}
	s := sha256.Sum256(out)
	return hex.EncodeToString(s[:])
}

// underDisk lists the places recorded inside the disk image at chain
// prefix (files only: carved pictures and unread regions are left out),
// keyed "path deleted".
func underDisk(all map[string]store.Occurrence, prefix string) map[string]store.Occurrence {
	out := map[string]store.Occurrence{}
	for p, o := range all {
		rest, ok := strings.CutPrefix(p, prefix+store.ChainSeparator)
		if !ok || o.Carved || strings.Contains(rest, store.ChainSeparator+"/$") {
			continue
		}
		_, inner, ok := strings.Cut(rest, store.ChainSeparator)
		if !ok || strings.Contains(inner, store.ChainSeparator) {
			continue
		}
		out[inner+" "+strconv.FormatBool(o.Deleted)] = o
	}
	return out
}

// TestNestedDiskAgainstTSK: a raw FAT image in a folder (and the same one
// as a stored ZIP member, read in place) and a raw NTFS image compressed
// in a ZIP (copied to the private temporary area) are opened as disk
// images: the files Scrim lists inside each equal `fls -r -p` (live and
// deleted) and their contents `icat`; unallocated space is carved; every
// picture reads back through its chain; a second run adds nothing.
func TestNestedDiskAgainstTSK(t *testing.T) {
	for _, n := range []string{"fls", "icat", "mcopy", "mkntfs", "ntfscp"} {
		tool(t, t.TempDir(), "sh", "-c", "command -v "+n)
	}
	work := t.TempDir()
	ev := filepath.Join(work, "evidence")
	pics := map[string][]byte{}
	for i, n := range []string{"a.jpg", "b.jpg", "gone.jpg", "n1.jpg", "n2.jpg"} {
		pics[n] = testJPEG(t, uint64(20+i))
	}
	fat := fatImage(t, work, "fat.img", 4096, map[string][]byte{"a.jpg": pics["a.jpg"], "b.jpg": pics["b.jpg"], "gone.jpg": pics["gone.jpg"]}, "gone.jpg")
	ntfs := ntfsImage(t, work, "ntfs.img", 12, map[string][]byte{"n1.jpg": pics["n1.jpg"], "n2.jpg": pics["n2.jpg"]})
	write(t, filepath.Join(ev, "images", "card.img"), mustReadFile(t, fat))
	tool(t, work, "zip", "-q", filepath.Join(ev, "backup.zip"), "ntfs.img")
	tool(t, work, "zip", "-q", "-0", filepath.Join(ev, "stored.zip"), "fat.img")

	st := openCase(t)
	sum := ingestAll(t, st, ev, Options{Workers: 2})
	all := occurrencesByPath(t, st)
	for _, c := range []struct{ img, prefix, fs string }{
		{fat, "/images/card.img", "whole disk (fat12"},
		{fat, "/stored.zip » fat.img", "whole disk (fat12"},
		{ntfs, "/backup.zip » ntfs.img", "whole disk (ntfs"},
	} {
		agreeWithTSK(t, all, c.img, c.prefix, c.fs)
	}
	deleted := deletedUnder(t, all, "/images/card.img")
	if deleted.SHA256 != sha(pics["gone.jpg"]) || !strings.Contains(deleted.Path, "(fat12, deleted, inode "+strconv.FormatUint(deleted.Inode, 10)+") » /DCIM/") {
		t.Errorf("deleted picture: %+v", deleted)
	}
	var carved []string
	for p, o := range all {
		if o.Carved && o.Embedded && strings.HasPrefix(p, "/images/card.img » whole disk (fat12, carved) » /$Carved/") {
			carved = append(carved, p)
			if o.SHA256 != sha(pics["gone.jpg"]) {
				t.Errorf("carved %s is not the deleted picture", p)
			}
		}
	}
	if len(carved) != 1 {
		t.Errorf("carved from the FAT image's free space: %v", carved)
	}
	consistent(t, st)

	// Every picture reads back through its chain, the deleted and the
	// carved one too.
	var want []evidence.Locator
	var paths []string
	for p, o := range all {
		if !o.Embedded || o.SHA256 == "" || !strings.HasSuffix(strings.ToLower(p), "jpg") && !o.Carved {
			continue
		}
		top, names, err := st.Outermost(o)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, evidence.Locator{Path: top.Path, Chain: strings.Join(names, evidence.ChainSeparator)})
		paths = append(paths, p)
	}
	if len(want) != 10 { // 3 files and 1 carved in each FAT, 2 files in the NTFS
		t.Fatalf("only %d pictures to read back: %v", len(want), paths)
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

	again := ingestAll(t, st, ev, Options{Workers: 2})
	if again.Added != 0 || again.Skipped != sum.Seen {
		t.Fatalf("second run %+v after %+v", again, sum)
	}
	if n := len(occurrencesByPath(t, st)); n != len(all) {
		t.Fatalf("%d places after the second run, %d before", n, len(all))
	}
}

// deletedUnder is the one deleted file recorded under prefix.
func deletedUnder(t *testing.T, all map[string]store.Occurrence, prefix string) store.Occurrence {
	t.Helper()
	var found []store.Occurrence
	for k, o := range all {
		if strings.HasPrefix(k, prefix+store.ChainSeparator) && o.Deleted && !o.Carved {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("deleted files under %s: %+v", prefix, found)
	}
	return found[0]
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNestedDiskContainers: an E01 of several segments in a folder (the
// later segments found beside it, not walked again), a VMDK descriptor
// with its flat extent (the extent read through it, not again alone), VHD, VHDX and QCOW2
// files in a folder and a VMDK inside a ZIP are opened as disk images by
// content; an E01 whose later segments are not inside its ZIP is read as
// far as it goes with a note naming the missing segment; a truncated E01 in
// a ZIP is a note, never a panic; an MBR-only dump and random bytes ending
// in 0x55AA at 510 stay plain files.
func TestNestedDiskContainers(t *testing.T) {
	work := t.TempDir()
	ev := filepath.Join(work, "evidence")
	a, gone := testJPEG(t, 31), testJPEG(t, 32)
	big := make([]byte, 3<<20) // spreads the E01 over several segments
	for i := range big {
		big[i] = byte(i*7919>>3) ^ byte(i>>11)
	}
	fat := fatImage(t, work, "fat.img", 4096, map[string][]byte{"a.jpg": a, "gone.jpg": gone, "filler.bin": big}, "gone.jpg")
	os.MkdirAll(filepath.Join(ev, "ewf"), 0o755)
	tool(t, work, "ewfacquire", "-u", "-q", "-t", filepath.Join(ev, "ewf", "disk"), "-f", "encase6", "-c", "none",
		"-S", "1MiB", "-C", "CASE-1", "-E", "EXH-1", "-e", "examiner", "-D", "nested", "-N", "none", "-m", "fixed", "-M", "physical", fat)
	segs, _ := filepath.Glob(filepath.Join(ev, "ewf", "disk.E*"))
	if len(segs) < 3 {
		t.Fatalf("ewfacquire wrote %v", segs)
	}
	tool(t, work, "qemu-img", "convert", "-f", "raw", "-O", "vpc", fat, filepath.Join(ev, "disk.vhd"))
	tool(t, work, "qemu-img", "convert", "-f", "raw", "-O", "vhdx", fat, filepath.Join(ev, "disk.vhdx"))
	tool(t, work, "qemu-img", "convert", "-c", "-f", "raw", "-O", "qcow2", fat, filepath.Join(ev, "disk.qcow2"))
	tool(t, work, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", fat, filepath.Join(work, "vm.vmdk"))
	os.MkdirAll(filepath.Join(ev, "flat"), 0o755) // a descriptor and its flat extent
	tool(t, work, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=monolithicFlat", fat, filepath.Join(ev, "flat", "disk.vmdk"))
	tool(t, work, "zip", "-q", filepath.Join(ev, "vms.zip"), "vm.vmdk")
	tool(t, filepath.Join(ev, "ewf"), "zip", "-q", filepath.Join(ev, "ewf.zip"), "disk.E01")
	e01 := mustReadFile(t, filepath.Join(ev, "ewf", "disk.E01"))
	write(t, filepath.Join(work, "cut", "disk.E01"), e01[:20000])
	tool(t, filepath.Join(work, "cut"), "zip", "-q", filepath.Join(ev, "trunc.zip"), "disk.E01")
	// An MBR whose partitions lie past the end of the 64 KiB dump.
	mbr := filepath.Join(ev, "mbr.bin")
	write(t, mbr, nil)
	if err := os.Truncate(mbr, 16<<20); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sfdisk", "-q", "--no-tell-kernel", mbr)
	cmd.Stdin = strings.NewReader("label: dos\nstart=2048, size=20480, type=c\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v %s", err, out)
	}
	if err := os.Truncate(mbr, 64<<10); err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(i*131 + i>>8)
	}
	noise[510], noise[511] = 0x55, 0xAA
	write(t, filepath.Join(ev, "blob.bin"), noise)

	// An ISO 9660 image, an ext4 image inside a TAR and an MBR disk with
	// a FAT32 partition, made by their tools without mounting anything.
	isoSrc := filepath.Join(work, "iso")
	write(t, filepath.Join(isoSrc, "a.jpg"), a)
	tool(t, work, "genisoimage", "-quiet", "-J", "-R", "-o", filepath.Join(ev, "pics.iso"), isoSrc)
	tool(t, work, "mkfs.ext4", "-q", "-F", "-d", isoSrc, filepath.Join(work, "home.img"), "4M")
	tool(t, work, "tar", "cf", filepath.Join(ev, "home.tar"), "home.img")
	part := filepath.Join(ev, "usb.dd")
	write(t, part, nil)
	if err := os.Truncate(part, 40<<20); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("sfdisk", "-q", "--no-tell-kernel", part)
	cmd.Stdin = strings.NewReader("label: dos\nstart=2048, size=77824, type=c\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v %s", err, out)
	}
	tool(t, work, "mkfs.vfat", "--invariant", "-F", "32", "--offset", "2048", part, "38912")
	tool(t, work, "mcopy", "-i", part+"@@1048576", filepath.Join(isoSrc, "a.jpg"), "::/a.jpg")
	tool(t, ev, "zip", "-q", "-0", filepath.Join(ev, "usb.zip"), "usb.dd") // stored: read in place
	// A LUKS2 volume in a file: an encrypted disk, named and not read.
	vault := filepath.Join(ev, "vault.img")
	write(t, vault, nil)
	if err := os.Truncate(vault, 20<<20); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(work, "key"), []byte("secret"))
	tool(t, work, "cryptsetup", "luksFormat", "--batch-mode", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
		"--key-file", filepath.Join(work, "key"), vault)

	st := openCase(t)
	sum := ingestAll(t, st, ev, Options{Workers: 2})
	all := occurrencesByPath(t, st)
	for _, p := range []string{"/pics.iso » whole disk (iso9660) » /a.jpg", "/home.tar » home.img » whole disk (ext4) » /a.jpg", "/usb.dd » p1 (fat32) » /a.jpg", "/usb.zip » usb.dd » p1 (fat32) » /a.jpg"} {
		if o := all[p]; o.SHA256 != sha(a) || !o.Embedded {
			t.Errorf("%s: %+v", p, o)
		}
	}
	for _, prefix := range []string{"/ewf/disk.E01", "/flat/disk.vmdk", "/disk.vhd", "/disk.vhdx", "/disk.qcow2", "/vms.zip » vm.vmdk"} {
		live := all[prefix+" » whole disk (fat12) » /DCIM/a.jpg"]
		if live.SHA256 != sha(a) || !live.Embedded {
			t.Errorf("%s: a.jpg %+v", prefix, live)
		}
		if d := deletedUnder(t, all, prefix); d.SHA256 != sha(gone) {
			t.Errorf("%s: deleted %+v", prefix, d)
		}
	}
	for p := range all {
		for _, not := range []string{"/ewf/disk.E02 » ", "/flat/disk-flat.vmdk » ", "/mbr.bin » ", "/blob.bin » whole disk", "/trunc.zip » disk.E01 » "} {
			if strings.HasPrefix(p, not) {
				t.Errorf("%s is not a disk image, yet %s", not, p)
			}
		}
	}
	if o := all["/vault.img » whole disk » /"]; !o.Embedded || !strings.Contains(o.Error, "LUKS2 encrypted volume at offset 0 (20 MiB): not read, the key is needed") {
		t.Errorf("the LUKS2 volume in a file: %+v", o)
	}
	notes := strings.Join(sum.Notes, "\n")
	for _, want := range []string{
		"disk image /vault.img (raw): LUKS2 encrypted volume at offset 0 (20 MiB): not read, the key is needed",
		"disk image /ewf.zip » disk.E01 (ewf): segment disk.E02 not found inside /ewf.zip",
		"expansion: /trunc.zip » disk.E01 is a disk image that cannot be opened: ",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("no note %q in:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "/ewf/disk.E0") {
		t.Errorf("the E01 in a folder has all its segments, yet:\n%s", notes)
	}
	if o := all["/ewf.zip » disk.E01 » whole disk (fat12) » /DCIM/a.jpg"]; o.SHA256 != sha(a) {
		t.Errorf("the first segment's part of the E01 in a ZIP: %+v", o)
	}
	consistent(t, st)

	// A disk image is one level deep: with depth 1 the E01 in the folder
	// is walked, the VMDK inside the ZIP is not.
	shallow := openCase(t)
	sum = ingestAll(t, shallow, ev, Options{Workers: 2, Expand: expand.Limits{MaxDepth: 1}})
	all = occurrencesByPath(t, shallow)
	if o := all["/ewf/disk.E01 » whole disk (fat12) » /DCIM/a.jpg"]; o.SHA256 != sha(a) {
		t.Errorf("depth 1: the E01 in the folder is not walked: %+v", o)
	}
	if _, ok := all["/vms.zip » vm.vmdk » whole disk (fat12) » /DCIM/a.jpg"]; ok {
		t.Error("depth 1: the VMDK inside the ZIP was walked")
	}
	if !slices.Contains(sum.Notes, "expansion depth limit (1) hit at /vms.zip » vm.vmdk: not expanded") {
		t.Errorf("depth 1 notes: %q", sum.Notes)
	}
}

// TestNestedDiskCancelThenResume cancels an ingest while it walks a disk
// image inside the folder: the resumed run gives the same places, under
// the same keys, as an uninterrupted one (the image's own record is
// written after its files, so it is redone whole).
func TestNestedDiskCancelThenResume(t *testing.T) {
	work := t.TempDir()
	ev := filepath.Join(work, "evidence")
	names, err := demo.GenerateJPEGs(filepath.Join(work, "src"), 30, 1600, 1200, 90, 5)
	if err != nil {
		t.Fatal(err)
	}
	pics := map[string][]byte{}
	for _, n := range names {
		pics[filepath.Base(n)] = mustReadFile(t, n)
	}
	img := fatImage(t, work, "card.img", 32768, pics)
	write(t, filepath.Join(ev, "card.img"), mustReadFile(t, img))
	dump := func(st *store.Store) string {
		var lines []string
		st.EachOccurrence("", func(o store.Occurrence) error {
			lines = append(lines, strconv.Quote(store.OccurrenceKey(o))+" "+o.Path+" "+o.SHA256+" "+o.Error)
			return nil
		})
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	reference := openCase(t)
	ingestAll(t, reference, ev, Options{Workers: 1})
	want := dump(reference)

	st := openCase(t)
	src, _ := evidence.Open(ev)
	id, _ := EvidenceID(st, ev, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The image is hashed first (its size read once), then walked: cancel
	// once a third of the pictures' bytes were read by the walk.
	var total int64
	for _, b := range pics {
		total += int64(len(b))
	}
	size := int64(len(mustReadFile(t, img)))
	src = &cancelAfter{Source: src, limit: size + total/3, cancel: cancel}
	if _, err := New(st, Options{Workers: 1}).Ingest(ctx, src, id); !errors.Is(err, context.Canceled) {
		t.Fatalf("want a cancelled ingest, got %v", err)
	}
	partial := strings.Count(dump(st), "\n") + 1
	if partial >= strings.Count(want, "\n")+1 {
		t.Fatalf("cancelled with all %d places recorded", partial)
	}
	consistent(t, st)
	ingestAll(t, st, ev, Options{Workers: 1})
	if got := dump(st); got != want {
		t.Fatalf("cancelled with %d places and resumed: case differs\ngot:\n%s\nwant:\n%s", partial, got, want)
	}
}

// TestNestedDiskSparseBomb: a QCOW2 whose FAT lists far more bytes than
// the file stores (a sparse file of zeros) stops at the ratio limit with a
// named note; what was listed before stays.
func TestNestedDiskSparseBomb(t *testing.T) {
	work := t.TempDir()
	ev := filepath.Join(work, "evidence")
	a := testJPEG(t, 41)
	img := fatImage(t, work, "sparse.img", 16384, map[string][]byte{"a.jpg": a, "zeros.bin": make([]byte, 12<<20)})
	os.MkdirAll(ev, 0o755)
	tool(t, work, "qemu-img", "convert", "-f", "raw", "-O", "qcow2", img, filepath.Join(ev, "sparse.qcow2"))
	st := openCase(t)
	sum := ingestAll(t, st, ev, Options{Workers: 1, Expand: expand.Limits{MaxRatio: 4, RatioFloor: 1}})
	found := false
	for _, n := range sum.Notes {
		found = found || strings.HasPrefix(n, "expansion ratio limit hit in /sparse.qcow2: disk image of ") && strings.HasSuffix(n, "(more than 4 times); the rest is not expanded")
	}
	if !found {
		t.Errorf("no ratio note: %q", sum.Notes)
	}
	if o := occurrencesByPath(t, st)["/sparse.qcow2 » whole disk (fat16) » /DCIM/a.jpg"]; o.SHA256 != sha(a) {
		t.Errorf("the picture listed before the limit: %+v", o)
	}
}

// cancelAfter cancels the run once limit bytes were read from its entries.
type cancelAfter struct {
	evidence.Source
	limit  int64
	read   atomic.Int64
	cancel func()
}

func (c *cancelAfter) Walk(ctx context.Context, fn func(evidence.Entry) error) error {
	return c.Source.Walk(ctx, func(e evidence.Entry) error {
		open := e.Open
		if open != nil {
			e.Open = func() (evidence.Content, error) {
				r, err := open()
				if err != nil {
					return nil, err
				}
				return countingContent{r, c}, nil
			}
		}
		return fn(e)
	})
}

type countingContent struct {
	evidence.Content
	c *cancelAfter
}

func (r countingContent) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.Content.ReadAt(p, off)
	if r.c.read.Add(int64(n)) > r.c.limit {
		r.c.cancel()
	}
	return n, err
}

// agreeWithTSK checks that the places under prefix (a disk image's walk)
// are exactly what fls lists in img, live and deleted, each with icat's
// content and a member naming the volume as fs.
func agreeWithTSK(t *testing.T, all map[string]store.Occurrence, img, prefix, fs string) {
	t.Helper()
	got := underDisk(all, prefix)
	tsk := fsystest.FLS(t, img)
	if len(tsk) == 0 {
		t.Fatalf("fls lists nothing in %s", img)
	}
	for _, f := range tsk {
		k := f.Path + " " + strconv.FormatBool(f.Deleted)
		o, ok := got[k]
		if !ok {
			t.Errorf("%s: fls lists %s (deleted %v), Scrim does not; Scrim has %v", prefix, f.Path, f.Deleted, sortedKeys(got))
			continue
		}
		delete(got, k)
		if o.SHA256 != icatSHA(t, img, f.Inode) || !o.Embedded || o.Error != "" {
			t.Errorf("%s %s: %+v differs from icat", prefix, k, o)
		}
		if !strings.HasPrefix(o.Member, fs) {
			t.Errorf("%s: member %q does not name the volume as %s…)", k, o.Member, fs)
		}
	}
	for k := range got {
		t.Errorf("%s: Scrim lists %s, fls does not", prefix, k)
	}
}
