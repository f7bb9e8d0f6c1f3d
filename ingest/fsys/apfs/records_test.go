package apfs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// xattrRecord lays out a j_xattr record with inline data as APFS does:
// the key's name length and NUL-terminated name, the value's flags,
// length and data.
func xattrRecord(id uint64, name string, data []byte) (key, val []byte) {
	key = binary.LittleEndian.AppendUint64(nil, id|recXattr<<objTypeShift)
	key = binary.LittleEndian.AppendUint16(key, uint16(len(name)+1))
	key = append(append(key, name...), 0)
	val = binary.LittleEndian.AppendUint16(nil, xattrEmbedded)
	val = binary.LittleEndian.AppendUint16(val, uint16(len(data)))
	return key, append(val, data...)
}

// TestDecmpfsInline: a file compressed by macOS into its decmpfs
// attribute (type 3, zlib) reads back whole; LZVN is named as unreadable.
// The fixture holds no compressed file, so the attribute is laid out here.
func TestDecmpfsInline(t *testing.T) {
	content := bytes.Repeat([]byte("compressible text in a decmpfs attribute "), 50)
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(content)
	w.Close()
	header := func(kind uint32) []byte {
		h := append([]byte("fpmc"), binary.LittleEndian.AppendUint32(nil, kind)...)
		return binary.LittleEndian.AppendUint64(h, uint64(len(content)))
	}
	fs := &FS{}
	for kind, want := range map[uint32]string{3: "", 7: "LZVN"} {
		key, val := xattrRecord(30, xattrDecmpfs, append(header(kind), z.Bytes()...))
		name, x, err := parseXattr(key, val)
		if err != nil || name != xattrDecmpfs {
			t.Fatalf("parseXattr: %q %v", name, err)
		}
		size, r, err := fs.decompressed(&tree{}, map[string]xattr{name: x})
		if want != "" {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("type %d: %v, want an error naming %s", kind, err, want)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.NewSectionReader(r, 0, size))
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("type %d: %d bytes (%v), want %d", kind, len(got), err, len(content))
		}
	}
	if _, _, err := fs.decompressed(&tree{}, nil); err == nil {
		t.Error("compressed file without its attribute read")
	}
}

// TestSparseStream: holes between and after extents read as zeros.
func TestSparseStream(t *testing.T) {
	img := make([]byte, 8*4096)
	copy(img[2*4096:], "first")
	copy(img[5*4096:], "second")
	c := &container{r: bytes.NewReader(img), blockSize: 4096, blockCount: 8}
	s, err := c.stream(5*4096, []fileExtent{{logical: 3 * 4096, length: 4096, block: 5}, {logical: 0, length: 4096, block: 2}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(s, 0, s.size))
	if err != nil || len(got) != 5*4096 {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
	want := make([]byte, 5*4096)
	copy(want, "first")
	copy(want[3*4096:], "second")
	if !bytes.Equal(got, want) {
		t.Error("holes do not read as zeros around the extents")
	}
	if _, err := c.stream(1<<40, []fileExtent{{length: 4096, block: 1}}); err == nil || !strings.Contains(err.Error(), "damaged size") {
		t.Errorf("a terabyte of holes in an 8-block container: %v", err)
	}
	if _, err := c.stream(4096, []fileExtent{{length: 4096, block: 8}}); err == nil {
		t.Error("extent past the container accepted")
	}
	if _, err := c.stream(8192, []fileExtent{{length: 8192, block: 1}, {logical: 4096, length: 4096, block: 4}}); err == nil {
		t.Error("overlapping extents accepted")
	}
}

// countingReader counts the reads of an image.
type countingReader struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.n.Add(1)
	return c.r.ReadAt(p, off)
}

// TestObjectMapCached: looking an object up again reads nothing: every
// filesystem-tree node is found through the object map, whose nodes stay
// in memory.
func TestObjectMapCached(t *testing.T) {
	good, _, _, _ := fixtureLayout(t)
	cr := &countingReader{r: bytes.NewReader(good)}
	v, err := open(cr, int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	vol := v.volumes[0]
	if _, err := vol.omap.lookup(vol.tree.root); err != nil {
		t.Fatal(err)
	}
	before := cr.n.Load()
	for range 100 {
		if _, err := vol.omap.lookup(vol.tree.root); err != nil {
			t.Fatal(err)
		}
	}
	if n := cr.n.Load() - before; n != 0 {
		t.Errorf("%d reads for 100 lookups of one object", n)
	}
}
