package container

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVHDSectorBitmap clears sector-bitmap bits of allocated blocks and
// checks the media matches what The Sleuth Kit (libvhdi) reads: sectors
// whose bit is clear read as zeros even though the block holds data.
//
// libvhdi tests "byte >> (7-bit)" without masking, so it honours a clear
// bit only when every higher bit of the same byte is clear too; the patterns
// compared with TSK stay inside that overlap, and the last check pins the
// spec behaviour (bit clear → zeros) where the two part ways.
func TestVHDSectorBitmap(t *testing.T) {
	needTool(t, "qemu-img", "qemu-utils")
	needTool(t, "img_cat", "sleuthkit")
	dir := t.TempDir()
	makeRaw(t, filepath.Join(dir, "img.raw"), fixtureSize, 5)
	run(t, dir, "qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "force_size=on", "img.raw", "img.vhd")
	p := filepath.Join(dir, "img.vhd")
	bat := int64(binary.BigEndian.Uint64(readAt(t, p, 512+16, 8)))
	var cleared int
	for i := int64(0); i < 5; i++ {
		e := int64(binary.BigEndian.Uint32(readAt(t, p, bat+4*i, 4)))
		if e == vhdUnused {
			continue
		}
		// Sectors 0-9 and 4000-4003.
		patch(t, p, e*512, []byte{0x00, 0x3f})
		patch(t, p, e*512+500, []byte{0x0f})
		cleared++
	}
	if cleared == 0 {
		t.Fatal("fixture has no allocated block")
	}
	want, err := exec.Command("img_cat", p).Output()
	if err != nil {
		t.Fatal(err)
	}
	img, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(img, 0, img.Size())); err != nil {
		t.Fatal(err)
	}
	if w := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), w[:]) {
		got := make([]byte, img.Size())
		img.ReadAt(got, 0)
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("media (%d bytes) differs from img_cat (%d bytes) first at offset %d", len(got), len(want), i)
			}
		}
		t.Fatalf("media (%d bytes) differs from img_cat (%d bytes)", len(got), len(want))
	}
	checkContent(t, img, want)
	img.Close()

	// 0xf0: sectors 4012-4015 of the first allocated block are not in use.
	e := int64(binary.BigEndian.Uint32(readAt(t, p, bat, 4)))
	patch(t, p, e*512+501, []byte{0xf0})
	img, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	got := make([]byte, 8*512)
	if _, err := img.ReadAt(got, 4008*512); err != nil {
		t.Fatal(err)
	}
	if !allZero(got[4*512:]) || allZero(got[:4*512]) {
		t.Fatal("sectors 4012-4015 (bit clear) not zero, or 4008-4011 (bit set) zero")
	}
}
