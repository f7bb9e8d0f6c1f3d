package expand

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// FuzzThumbcache feeds arbitrary bytes, seeded with a Windows 10 thumbnail
// cache and an XP Thumbs.db, to both thumbnail cache readers: they may
// refuse, never panic, and no member claims more bytes than the file has.
func FuzzThumbcache(f *testing.F) {
	pics := testThumbnails(f)
	f.Add(thumbcacheFile(32, []thumbcacheEntry{{hash: 7, id: "7", pad: 4, data: pics[0][:300]}, {hash: 8, data: pics[1][:100]}}))
	f.Add(thumbcacheFile(21, []thumbcacheEntry{{hash: 9, data: pics[2][:200]}}))
	tdb, _ := thumbsDB(f)
	f.Add(tdb)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fm := range []Format{thumbcacheFormat{}, thumbsDBFormat{}} {
			fm.Probe(data[:min(len(data), HeadSize)])
			fm.Walk(context.Background(), bytes.NewReader(data), int64(len(data)), func(m Member) error {
				if m.Open == nil {
					return nil
				}
				rc, err := m.Open()
				if err != nil {
					return nil
				}
				defer rc.Close()
				n, _ := io.Copy(io.Discard, rc)
				if n > int64(len(data)) {
					t.Fatalf("%s: member %q of %d bytes in a %d-byte file", fm.Name(), m.Name, n, len(data))
				}
				return nil
			})
		}
	})
}
