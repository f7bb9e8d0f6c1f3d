package evidence

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Media that no reader claims is named, carved where that makes sense, and
// noted: it is never one opaque file with "0 errors".

func testJPEG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y * 2), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, 9))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// media writes b as a file called name and returns its path.
func media(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

// patch writes b into the file at off.
func patch(t testing.TB, p string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func sparseFile(t testing.TB, size int64) string {
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

func needTool(t testing.TB, name, debPkg string) string {
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

func runTool(t testing.TB, stdin, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// sharedFixture is a file of ../shared/fixtures beside the project root:
// skipped when absent (a bare clone), fatal under CI.
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

// walkMedia opens p, checks it is read as a disk image, and returns its
// entries and walk notes.
func walkMedia(t *testing.T, p string) ([]Entry, []string) {
	t.Helper()
	src, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	if f := src.Info().Format; f != "raw" {
		t.Fatalf("%s opened as %q, want raw media", p, f)
	}
	entries := collect(t, src)
	wn, ok := src.(WalkNoter)
	if !ok {
		t.Fatalf("%T gives no walk notes", src)
	}
	return entries, wn.WalkNotes()
}

// checkUnread: exactly the notes want, one error entry per note that is
// not about zeros, and the carved offsets wantCarved.
func checkUnread(t *testing.T, entries []Entry, notes, want []string, wantCarved []int64) {
	t.Helper()
	if !slices.Equal(notes, want) {
		t.Errorf("notes\n %q\nwant\n %q", notes, want)
	}
	var errs []string
	var carved []int64
	for _, e := range entries {
		switch {
		case e.Err != nil:
			errs = append(errs, e.Err.Error())
		case e.Carved:
			carved = append(carved, e.Offset)
		default:
			t.Errorf("unexpected entry %+v", e)
		}
	}
	var wantErrs []string
	for _, n := range want {
		if !strings.Contains(n, "all zeros") && (!strings.HasPrefix(n, "space outside") || strings.Contains(n, "not read")) {
			wantErrs = append(wantErrs, n)
		}
	}
	if !slices.Equal(errs, wantErrs) {
		t.Errorf("error entries %q, want %q", errs, wantErrs)
	}
	if !slices.Equal(carved, wantCarved) {
		t.Errorf("carved at %v, want %v", carved, wantCarved)
	}
}

func TestRandomImageIsMedia(t *testing.T) {
	p := media(t, "image.dd", randomBytes(10<<20, 1))
	entries, notes := walkMedia(t, p)
	checkUnread(t, entries, notes, []string{"high-entropy region at offset 0 (10 MiB), possibly encrypted: not read, not carved"}, nil)
}

func TestZerosWithJPEG(t *testing.T) {
	b := make([]byte, 4<<20)
	pic := testJPEG(t)
	copy(b[1<<20:], pic)
	entries, notes := walkMedia(t, media(t, "card.dd", b))
	checkUnread(t, entries, notes, []string{"no filesystem recognised at offset 0 (4 MiB): carved 1 picture"}, []int64{1 << 20})
	c, err := entries[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := make([]byte, entries[0].Size)
	if _, err := c.ReadAt(got, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, pic) {
		t.Fatalf("carved %d bytes differ from the %d-byte JPEG written: %x vs %x", len(got), len(pic), got[:16], pic[:16])
	}
}

func TestWipedDisk(t *testing.T) {
	entries, notes := walkMedia(t, media(t, "wiped.dd", make([]byte, 4<<20)))
	checkUnread(t, entries, notes, []string{"no filesystem recognised at offset 0 (4 MiB): all zeros; carved 0 pictures"}, nil)
}

// A JPEG in the payload of an encrypted volume is not carved: a real one
// holds only ciphertext there, and the note must say the key is needed.
func TestLUKS(t *testing.T) {
	cs := needTool(t, "cryptsetup", "cryptsetup-bin")
	for _, v := range []string{"luks1", "luks2"} {
		p := sparseFile(t, 32<<20)
		runTool(t, "secret", cs, "luksFormat", "--batch-mode", "--type", v, "--pbkdf", "pbkdf2",
			"--pbkdf-force-iterations", "1000", p, "-")
		patch(t, p, 20<<20, testJPEG(t))
		entries, notes := walkMedia(t, p)
		checkUnread(t, entries, notes, []string{strings.ToUpper(v) + " encrypted volume at offset 0 (32 MiB): not read, the key is needed"}, nil)
	}
}

// bitLockerVolume writes a BitLocker volume header as Windows 7 and later
// do (libbde's "BitLocker Drive Encryption (BDE) format"): "-FVE-FS-" as
// the OEM id, the BitLocker GUID at 160 and the first FVE metadata block
// offset at 176, the metadata block signed "-FVE-FS-" (version 2) there,
// ciphertext elsewhere.
func bitLockerVolume(size int) []byte {
	b := randomBytes(size, 5)
	vbr := b[:512]
	clear(vbr)
	copy(vbr, "\xeb\x58\x90-FVE-FS-")
	binary.LittleEndian.PutUint16(vbr[11:], 512)
	vbr[13], vbr[21] = 8, 0xf8
	copy(vbr[160:], "\x3b\xd6\x67\x49\x29\x2e\xd8\x4a\x83\x99\xf6\xa3\x39\xe3\xd0\x01")
	meta := size / 2
	binary.LittleEndian.PutUint64(vbr[176:], uint64(meta))
	vbr[510], vbr[511] = 0x55, 0xaa
	copy(b[meta:], "-FVE-FS-")
	binary.LittleEndian.PutUint16(b[meta+10:], 2)
	return b
}

func TestBitLocker(t *testing.T) {
	p := media(t, "usb.dd", bitLockerVolume(8<<20))
	entries, notes := walkMedia(t, p)
	src, _ := Open(p)
	if n := src.Info().Notes; len(n) != 0 {
		t.Errorf("a BitLocker boot sector read as a partition table: %q", n)
	}
	src.Close()
	checkUnread(t, entries, notes, []string{"BitLocker encrypted volume at offset 0 (8 MiB): not read, the key is needed"}, nil)
}

// BitLocker To Go keeps a readable FAT32 wrapper (for the reader tool)
// around the ciphertext: the wrapper must not pass for the volume. Made
// from a real FAT32 by writing the To Go fields of its boot sector: OEM id
// "MSWIN4.1", the BitLocker GUID at 424, the FVE metadata offset at 440.
func TestBitLockerToGo(t *testing.T) {
	mkfs := needTool(t, "mkfs.vfat", "dosfstools")
	p := filepath.Join(t.TempDir(), "stick.dd")
	runTool(t, "", mkfs, "-F", "32", "-C", p, "65536")
	meta := int64(40 << 20)
	off := make([]byte, 8)
	binary.LittleEndian.PutUint64(off, uint64(meta))
	patch(t, p, 3, []byte("MSWIN4.1"))
	patch(t, p, 424, []byte("\x3b\xd6\x67\x49\x29\x2e\xd8\x4a\x83\x99\xf6\xa3\x39\xe3\xd0\x01"))
	patch(t, p, 440, off)
	patch(t, p, meta, []byte("-FVE-FS-"))
	entries, notes := walkMedia(t, p)
	checkUnread(t, entries, notes, []string{"BitLocker To Go encrypted volume at offset 0 (64 MiB): not read, the key is needed"}, nil)
}

// The APFS container is read (ingest/fsys/apfs) under its volume's name,
// with no note; HFS+ is read too: TestHFSPartition.
func TestAppleFixturesNamed(t *testing.T) {
	entries, notes := walkMedia(t, sharedFixture(t, "apfs.raw"))
	if len(notes) != 0 {
		t.Errorf("notes %q on a container Scrim reads", notes)
	}
	var found bool
	for _, e := range entries {
		if e.FS != "apfs" || e.Err != nil {
			t.Errorf("entry %+v", e)
		}
		found = found || e.Path == "/apfs_test/passwords.txt"
	}
	if !found {
		t.Errorf("/apfs_test/passwords.txt not among %d entries", len(entries))
	}
}

// A container whose every volume is FileVault-encrypted is named by the
// signature package and not read: its bytes are ciphertext to a carver.
func TestEncryptedAPFSNamed(t *testing.T) {
	b, err := os.ReadFile(sharedFixture(t, "apfs.raw"))
	if err != nil {
		t.Fatal(err)
	}
	const apsb, fsFlags = 107 * 4096, 264
	binary.LittleEndian.PutUint64(b[apsb+fsFlags:], binary.LittleEndian.Uint64(b[apsb+fsFlags:])&^1)
	binary.LittleEndian.PutUint64(b[apsb:], fletcher64(b[apsb+8:apsb+4096]))
	p := filepath.Join(t.TempDir(), "encrypted.apfs")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, notes := walkMedia(t, p)
	checkUnread(t, entries, notes, []string{"APFS container, FileVault-encrypted at offset 0 (3.96 MiB): not read, the key is needed"}, nil)
}

// A reader's notes reach the walk notes: an APFS snapshot (written into
// the fixture's empty snapshot metadata tree at block 88, as fsstat -B 107
// then lists it) is named beside the files the walk read.
func TestAPFSSnapshotNoted(t *testing.T) {
	b, err := os.ReadFile(sharedFixture(t, "apfs.raw"))
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	n := b[88*4096 : 89*4096]
	val := make([]byte, 50, 61)
	le.PutUint64(val[16:], uint64(time.Date(2022, 1, 14, 7, 19, 41, 0, time.UTC).UnixNano()))
	le.PutUint16(val[48:], 11)
	val = append(val, "scrim_snap\x00"...)
	keys, valEnd := 56+int(le.Uint16(n[42:])), 4096-40
	le.PutUint64(n[keys:], 3|1<<60)
	copy(n[valEnd-len(val):], val)
	copy(n[56:], []byte{0, 0, 8, 0, byte(len(val)), 0, byte(len(val)), 0})
	le.PutUint32(n[36:], 1)
	le.PutUint64(n, fletcher64(n[8:]))
	p := filepath.Join(t.TempDir(), "snapshot.apfs")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, notes := walkMedia(t, p)
	want := []string{`volume 0 at offset 0 (3.96 MiB): APFS volume apfs_test: snapshot "scrim_snap" (xid 3, made 2022-01-14T07:19:41Z) listed, not read: the walk reads the current state`}
	if !slices.Equal(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
	var read int
	for _, e := range entries {
		if e.Err == nil && e.FS == "apfs" {
			read++
		}
	}
	if read != 8 {
		t.Errorf("%d files read beside the snapshot, want the fixture's 8", read)
	}
}

// fletcher64 is the APFS object checksum of b (a block after its checksum).
func fletcher64(b []byte) uint64 {
	const mod = 0xffffffff
	var s1, s2 uint64
	for i := 0; i+4 <= len(b); i += 4 {
		s1 = (s1 + uint64(binary.LittleEndian.Uint32(b[i:]))) % mod
		s2 = (s2 + s1) % mod
	}
	c1 := mod - (s1+s2)%mod
	c2 := mod - (s1+c1)%mod
	return c2<<32 | c1
}

// XFS is named and still carved: a JPEG in its free space is found.
func TestXFSNamedAndCarved(t *testing.T) {
	mkfs := needTool(t, "mkfs.xfs", "xfsprogs")
	p := sparseFile(t, 300<<20)
	runTool(t, "", mkfs, "-q", p)
	patch(t, p, 200<<20, testJPEG(t))
	entries, notes := walkMedia(t, p)
	checkUnread(t, entries, notes, []string{"XFS filesystem at offset 0 (300 MiB): not read; carved 1 picture"}, []int64{200 << 20})
}

// An MBR disk whose one partition holds nothing Scrim knows, and a JPEG
// in the space after that partition: both regions are noted, the JPEG is
// carved.
func TestPartitionAndGap(t *testing.T) {
	sfdisk := needTool(t, "sfdisk", "fdisk")
	p := sparseFile(t, 8<<20)
	runTool(t, "label: dos\nstart=2048, size=4096, type=83\n", sfdisk, p)
	patch(t, p, 1<<20, bytes.Repeat([]byte("not a filesystem, only text\x00\x01"), 1000))
	patch(t, p, 5<<20, testJPEG(t))
	src, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	entries := collect(t, src)
	notes := src.(WalkNoter).WalkNotes()
	checkUnread(t, entries, notes, []string{
		"no filesystem recognised at offset 1048576 (2 MiB): carved 0 pictures",
		"space outside partitions at offset 3145728 (5 MiB): carved 1 picture",
	}, []int64{5 << 20})
	if e := entries[1]; e.Volume != "" || e.VolumeType != "unpartitioned" || e.Path != "/$Carved/5242880.jpeg" {
		t.Errorf("gap entry %+v", e)
	}
}

// Files of a known type, and tiny unknown ones, stay loose files.
func TestKnownFilesStayLoose(t *testing.T) {
	big := testJPEG(t)
	big = append(big, make([]byte, 100<<10)...) // a JPEG with trailing bytes
	for name, b := range map[string][]byte{
		"photo.dd":   big,
		"notes.img":  bytes.Repeat([]byte("plain text line\n"), 10000),
		"key.bin":    randomBytes(4096, 3),
		"archive.dd": append([]byte("PK\x03\x04"), randomBytes(200<<10, 4)...),
	} {
		src, err := Open(media(t, name, b))
		if err != nil {
			t.Fatal(err)
		}
		if f := src.Info().Format; f != "file" {
			t.Errorf("%s: format %q, want a loose file", name, f)
		}
		src.Close()
	}
}

// An HFS+ partition (type af) is read through its filesystem, with no
// note: the signature list names only what no reader claims.
func TestHFSPartition(t *testing.T) {
	sfdisk := needTool(t, "sfdisk", "fdisk")
	hfs, err := os.ReadFile(sharedFixture(t, "hfsplus.raw"))
	if err != nil {
		t.Fatal(err)
	}
	p := sparseFile(t, 8<<20)
	runTool(t, "label: dos\nstart=2048, size=8112, type=af\n", sfdisk, p)
	patch(t, p, 1<<20, hfs)
	src, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	entries := collect(t, src)
	if notes := src.(WalkNoter).WalkNotes(); len(notes) != 0 {
		t.Errorf("notes %q on a partition Scrim reads", notes)
	}
	var found bool
	for _, e := range entries {
		if e.Volume != "1" || e.VolumeType != "0xaf" || e.FS != "hfsplus" || e.Err != nil {
			t.Errorf("entry %+v", e)
		}
		found = found || e.Path == "/passwords.txt"
	}
	if !found {
		t.Errorf("passwords.txt not among %d entries", len(entries))
	}
}

// A picture in the free space the APFS space manager maps (block 500 of
// the fixture) is carved beside the files.
func TestAPFSFreeSpaceCarved(t *testing.T) {
	b, err := os.ReadFile(sharedFixture(t, "apfs.raw"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "apfs.raw")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	patch(t, p, 500*4096, testJPEG(t))
	entries, _ := walkMedia(t, p)
	var carved []int64
	for _, e := range entries {
		if e.Carved {
			carved = append(carved, e.Offset)
		}
	}
	if !slices.Equal(carved, []int64{500 * 4096}) {
		t.Errorf("carved at %v, want [%d]", carved, 500*4096)
	}
}

// An APFS container in a GPT partition of Apple's type is read there.
func TestAPFSPartition(t *testing.T) {
	sfdisk := needTool(t, "sfdisk", "fdisk")
	apfs, err := os.ReadFile(sharedFixture(t, "apfs.raw"))
	if err != nil {
		t.Fatal(err)
	}
	p := sparseFile(t, 8<<20)
	runTool(t, "label: gpt\nstart=2048, size=8112, type=7C3457EF-0000-11AA-AA11-00306543ECAC\n", sfdisk, p)
	patch(t, p, 1<<20, apfs)
	entries, notes := walkMedia(t, p)
	if len(notes) != 0 {
		t.Errorf("notes %q on a partition Scrim reads", notes)
	}
	var found bool
	for _, e := range entries {
		if e.Volume != "1" || e.FS != "apfs" || e.Err != nil {
			t.Errorf("entry %+v", e)
		}
		found = found || e.Path == "/apfs_test/passwords.txt"
	}
	if !found {
		t.Errorf("/apfs_test/passwords.txt not among %d entries", len(entries))
	}
}

// A filesystem left in the space after the last partition (a deleted
// partition) is named in the gap's note and counted as not read.
func TestFilesystemInGap(t *testing.T) {
	sfdisk := needTool(t, "sfdisk", "fdisk")
	hfs, err := os.ReadFile(sharedFixture(t, "hfsplus.raw"))
	if err != nil {
		t.Fatal(err)
	}
	p := sparseFile(t, 8<<20)
	runTool(t, "label: dos\nstart=2048, size=2048, type=83\n", sfdisk, p)
	patch(t, p, 2<<20, hfs)
	src, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	checkUnread(t, collect(t, src), src.(WalkNoter).WalkNotes(), []string{
		"no filesystem recognised at offset 1048576 (1 MiB): all zeros; carved 0 pictures",
		"space outside partitions at offset 2097152 (6 MiB): HFS+ filesystem, not read; carved 0 pictures",
	}, nil)
}
