package exfat

import (
	"bytes"
	"io"
	"testing"

	"scrim/ingest/fsys/runmap"
)

// TestValidDataLength: bytes between ValidDataLength and DataLength read as
// zeros whatever the clusters hold, and reads past the size end in io.EOF.
func TestValidDataLength(t *testing.T) {
	vol := bytes.Repeat([]byte{0xAB}, 8192)
	c := &runmap.Reader{R: bytes.NewReader(vol), Runs: []run{{Logical: 0, Volume: 4096, Length: 4096}}, Size: 3000, Valid: 1000, FS: "exfat"}
	got := make([]byte, 4000)
	n, err := c.ReadAt(got, 0)
	if n != 3000 || err != io.EOF {
		t.Fatalf("read %d, %v", n, err)
	}
	if !bytes.Equal(got[:1000], vol[:1000]) || !bytes.Equal(got[1000:3000], make([]byte, 2000)) {
		t.Error("bytes past ValidDataLength are not zeros")
	}
	n, err = c.ReadAt(got[:100], 950)
	if n != 100 || err != nil || !bytes.Equal(got[:50], vol[:50]) || !bytes.Equal(got[50:100], make([]byte, 50)) {
		t.Errorf("read across ValidDataLength: %d %v", n, err)
	}
}
