package signature

import (
	"bytes"
	"os"
	"testing"
)

// FuzzIdentify feeds arbitrary regions to Identify and LooksEncrypted: no
// panic, no read outside the region. Seeds are the heads of real formats;
// the APFS one keeps its object map so the B-tree walk is exercised.
func FuzzIdentify(f *testing.F) {
	if b, err := os.ReadFile("../../../shared/fixtures/apfs.raw"); err == nil {
		f.Add(b[:512<<10])
	}
	if b, err := os.ReadFile("../../../shared/fixtures/hfsplus.raw"); err == nil {
		f.Add(b[:4096])
	}
	f.Add(BitLockerVolume(64<<10, false)[:4096])
	f.Add(BitLockerVolume(64<<10, true)[:4096])
	f.Add([]byte("LUKS\xba\xbe\x00\x02"))
	f.Add(append(make([]byte, 1024), "H+\x00\x04"...))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		m, ok := Identify(r, int64(len(b)))
		if ok && m.Name == "" {
			t.Fatal("match without a name")
		}
		LooksEncrypted(r, int64(len(b)))
	})
}
