package volume

import (
	"bytes"
	"math/rand"
	"os"
	"strings"
	"testing"
)

func TestMBRAgainstMmls(t *testing.T) {
	img := mbrFixture(t)
	f, size := openImg(t, img)
	vols, warns, err := List(f, size)
	if err != nil || len(warns) != 0 {
		t.Fatalf("List: %v %v", err, warns)
	}
	want := mmls(t, img)
	if len(vols) != len(want) || len(vols) != 6 {
		t.Fatalf("got %d volumes %+v, mmls %d %+v", len(vols), vols, len(want), want)
	}
	wantIdx := []int{1, 2, 3, 5, 6, 7}
	for i, v := range vols {
		m := want[i]
		if v.Offset != m.start*512 || v.Size != m.length*512 || v.Scheme != "mbr" || v.Index != wantIdx[i] {
			t.Errorf("volume %d: %+v, mmls %+v", i, v, m)
		}
		if !strings.Contains(m.desc, "("+v.Type+")") {
			t.Errorf("volume %d: type %s, mmls %q", i, v.Type, m.desc)
		}
	}
}

func TestGPTAgainstMmls(t *testing.T) {
	img := gptFixture(t)
	f, size := openImg(t, img)
	vols, warns, err := List(f, size)
	if err != nil || len(warns) != 0 {
		t.Fatalf("List: %v %v", err, warns)
	}
	checkGPT(t, vols, mmls(t, img))
}

func checkGPT(t *testing.T, vols []Volume, want []mmlsPart) {
	t.Helper()
	if len(vols) != 4 || len(want) != 4 {
		t.Fatalf("got %+v, mmls %+v", vols, want)
	}
	types := []string{"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7",
		"0FC63DAF-8483-4772-8E79-3D69D8477DE4", "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"}
	for i, v := range vols {
		m := want[i]
		if v.Index != i+1 || v.Offset != m.start*512 || v.Size != m.length*512 || v.Name != m.desc || v.Scheme != "gpt" || v.Type != types[i] {
			t.Errorf("volume %d: %+v, mmls %+v", i, v, m)
		}
	}
}

// A damaged primary header: the backup at the last LBA gives the same
// volumes, and a warning says so.
func TestGPTBackupFallback(t *testing.T) {
	img := gptFixture(t)
	want := mmls(t, img)
	for _, spot := range []int64{512 + 40, 1024 + 5} { // header field; entry array
		b := mustRead(t, img)
		b[spot] ^= 0xff
		vols, warns, err := List(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if len(warns) != 1 || !strings.Contains(warns[0], "backup") {
			t.Fatalf("damage at %d: warnings %q", spot, warns)
		}
		checkGPT(t, vols, want)
	}
	// Both copies damaged: an error, not a guess.
	b := mustRead(t, img)
	b[512+40] ^= 0xff
	b[len(b)-512+40] ^= 0xff
	if _, _, err := List(bytes.NewReader(b), int64(len(b))); err == nil {
		t.Fatal("both GPT headers damaged: no error")
	}
}

func mustRead(t testing.TB, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNoTable(t *testing.T) {
	zero := make([]byte, 1<<20)
	rnd := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(rnd)
	tiny := make([]byte, 100)
	for name, b := range map[string][]byte{"zero": zero, "random": rnd, "tiny": tiny} {
		vols, _, err := List(bytes.NewReader(b), int64(len(b)))
		if err != nil || len(vols) != 1 || vols[0] != (Volume{Index: 0, Size: int64(len(b)), Scheme: "none"}) {
			t.Errorf("%s: %+v %v", name, vols, err)
		}
	}
}

// A bare FAT filesystem and an NTFS-looking boot sector carry 0x55AA too.
func TestBareFilesystem(t *testing.T) {
	mkfs := tool(t, "mkfs.vfat", "dosfstools")
	img := sparse(t, "fat.img", 0)
	os.Remove(img)
	run(t, "", mkfs, "-C", img, "8192")
	f, size := openImg(t, img)
	vols, _, err := List(f, size)
	if err != nil || len(vols) != 1 || vols[0].Scheme != "none" {
		t.Fatalf("FAT: %+v %v", vols, err)
	}
	b := make([]byte, 1<<20)
	copy(b[3:], "NTFS    ")
	b[510], b[511] = 0x55, 0xAA
	b[446+4], b[446+8], b[446+12] = 0x07, 1, 100 // looks like an entry
	vols, _, err = List(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(vols) != 1 || vols[0].Scheme != "none" {
		t.Fatalf("NTFS: %+v %v", vols, err)
	}
}

// An EBR whose link points back at itself: the chain stops with a warning.
func TestEBRLoop(t *testing.T) {
	b := make([]byte, 8<<20)
	entry := func(sec []byte, slot int, typ byte, start, count uint32) {
		e := sec[446+16*slot:]
		e[4] = typ
		putLE32(e[8:], start)
		putLE32(e[12:], count)
	}
	mbr := b[:512]
	mbr[510], mbr[511] = 0x55, 0xAA
	entry(mbr, 0, 0x83, 2048, 2048)
	entry(mbr, 1, 0x05, 4096, 8192)
	ebr := b[4096*512:]
	ebr[510], ebr[511] = 0x55, 0xAA
	entry(ebr, 0, 0x83, 2048, 1024)
	entry(ebr, 1, 0x05, 0, 4096) // links to itself
	vols, warns, err := List(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(vols) != 2 || vols[1].Index != 5 || vols[1].Offset != (4096+2048)*512 {
		t.Fatalf("%+v %v", vols, err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "loops") {
		t.Fatalf("warnings %q", warns)
	}
}

// Partitions past the end of a truncated image are clipped or skipped.
func TestPastTheEnd(t *testing.T) {
	img := mbrFixture(t)
	b := mustRead(t, img)[:20000*512] // cuts partition 3, loses the extended one
	vols, warns, err := List(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(vols) != 3 || vols[2].Size != (20000-18432)*512 {
		t.Fatalf("%+v", vols)
	}
	if len(warns) != 2 {
		t.Fatalf("warnings %q", warns)
	}
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
