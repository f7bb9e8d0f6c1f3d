package fat

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"scrim/ingest/fsys"
)

// walkBytes opens img bytes and walks them within a time bound, reading
// every file; it returns what Walk reported.
func walkBytes(t *testing.T, img []byte) (map[string]fsys.File, error) {
	t.Helper()
	fs, err := Open(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got := map[string]fsys.File{}
	err = fs.Walk(ctx, func(f fsys.File) error {
		got[f.Path] = f
		if f.Content != nil {
			io.Copy(io.Discard, io.NewSectionReader(f.Content, 0, f.Size))
		}
		return nil
	})
	if ctx.Err() != nil {
		t.Fatal("Walk did not finish in time")
	}
	if err := fs.Unallocated(ctx, func(o, n int64) error { return nil }); err != nil {
		t.Fatalf("Unallocated: %v", err)
	}
	return got, err
}

// fat16 is a FAT16 fixture in memory with helpers to damage it.
type fat16 struct {
	b []byte
	g *geometry
}

func newFat16(t *testing.T) *fat16 {
	fx := makeFixture(t, "16", 16384, "1")
	b, err := os.ReadFile(fx.img)
	if err != nil {
		t.Fatal(err)
	}
	g, err := parseBPB(b)
	if err != nil {
		t.Fatal(err)
	}
	return &fat16{b, g}
}

func (f *fat16) clone() *fat16 { return &fat16{append([]byte(nil), f.b...), f.g} }

func (f *fat16) setFAT(c, v uint32) {
	binary.LittleEndian.PutUint16(f.b[f.g.reserved*f.g.bps+int64(c)*2:], uint16(v))
}

// entry finds the 32-byte short entry whose 8.3 name is name83.
func (f *fat16) entry(t *testing.T, name83 string) []byte {
	i := bytes.Index(f.b, []byte(name83))
	if i < 0 || i%32 != 0 {
		t.Fatalf("entry %q not found", name83)
	}
	return f.b[i : i+32]
}

func startCluster(e []byte) uint32 { return uint32(binary.LittleEndian.Uint16(e[26:])) }

func TestDamage(t *testing.T) {
	base := newFat16(t)
	const big = "/DCIM/100CANON/IMG_0001.JPG" // 3000 bytes, 6 clusters
	t.Run("cyclic chain", func(t *testing.T) {
		f := base.clone()
		c := startCluster(f.entry(t, "IMG_0001JPG"))
		f.setFAT(c+2, c) // third cluster links back to the first
		got, err := walkBytes(t, f.b)
		if err != nil || got[big].Err == nil || !strings.Contains(got[big].Err.Error(), "loops") {
			t.Fatalf("%v %+v", err, got[big])
		}
		if len(got) < 50 {
			t.Fatalf("walk stopped early: %d files", len(got))
		}
	})
	t.Run("cluster past the end", func(t *testing.T) {
		f := base.clone()
		c := startCluster(f.entry(t, "IMG_0001JPG"))
		f.setFAT(c, f.g.lastClust+5)
		got, err := walkBytes(t, f.b)
		if err != nil || got[big].Err == nil || !strings.Contains(got[big].Err.Error(), "outside") {
			t.Fatalf("%v %+v", err, got[big])
		}
	})
	t.Run("directory loop", func(t *testing.T) {
		f := base.clone()
		dcim := startCluster(f.entry(t, "DCIM       "))
		canon := f.entry(t, "100CANON   ")
		binary.LittleEndian.PutUint16(canon[26:], uint16(dcim)) // child is its parent
		c := f.entry(t, "C          ")
		binary.LittleEndian.PutUint16(c[26:], uint16(startCluster(f.entry(t, "A          "))))
		got, err := walkBytes(t, f.b)
		if err != nil || len(got) < 40 {
			t.Fatalf("%v: %d files", err, len(got))
		}
	})
	t.Run("zeroed FAT", func(t *testing.T) {
		f := base.clone()
		clear(f.b[f.g.reserved*f.g.bps : (f.g.reserved+f.g.fatSectors)*f.g.bps])
		got, err := walkBytes(t, f.b)
		if err != nil {
			t.Fatal(err)
		}
		// Every entry now sits in "free" clusters: live files became
		// deleted-looking, their content recovered as contiguous runs.
		if len(got) == 0 {
			t.Fatal("nothing found")
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{len(base.b) / 2, 40000, 600, 100} {
			got, err := walkBytes(t, base.b[:n])
			bad := 0
			for _, f := range got {
				if f.Err != nil {
					bad++
				}
			}
			t.Logf("truncated to %d: %d files (%d with Err), err %v", n, len(got), bad, err)
		}
	})
	t.Run("absurd BPB", func(t *testing.T) {
		for name, mod := range map[string]func(b []byte){
			"bytes per sector 3":    func(b []byte) { binary.LittleEndian.PutUint16(b[11:], 3) },
			"0 sectors per cluster": func(b []byte) { b[13] = 0 },
			"9 FATs":                func(b []byte) { b[16] = 9 },
			"FAT past the end":      func(b []byte) { binary.LittleEndian.PutUint16(b[22:], 0xffff) },
			"no data area":          func(b []byte) { binary.LittleEndian.PutUint16(b[19:], 10); binary.LittleEndian.PutUint32(b[32:], 0) },
			"no signature":          func(b []byte) { b[510] = 0 },
		} {
			f := base.clone()
			mod(f.b)
			if _, err := Open(bytes.NewReader(f.b), int64(len(f.b))); err == nil {
				t.Errorf("%s: Open succeeded", name)
			}
		}
	})
}

// Unallocated runs are exactly the clusters the FAT marks free, and
// recovered deleted content lies inside them.
func TestUnallocated(t *testing.T) {
	f := newFat16(t)
	fs, err := Open(bytes.NewReader(f.b), int64(len(f.b)))
	if err != nil {
		t.Fatal(err)
	}
	var total, last int64
	err = fs.Unallocated(context.Background(), func(o, n int64) error {
		if o < last || n <= 0 || (o-f.g.firstClust*f.g.bps)%f.g.clusterBytes() != 0 {
			t.Fatalf("bad run %d+%d after %d", o, n, last)
		}
		last = o + n
		total += n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var free int64
	for c := uint32(2); c <= f.g.lastClust; c++ {
		if binary.LittleEndian.Uint16(f.b[f.g.reserved*f.g.bps+int64(c)*2:]) == 0 {
			free++
		}
	}
	if total != free*f.g.clusterBytes() {
		t.Fatalf("unallocated %d bytes, FAT has %d free clusters", total, free)
	}
}
