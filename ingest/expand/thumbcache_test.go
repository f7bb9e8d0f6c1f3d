package expand

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/image/bmp"
)

// testThumbnails generates one JPEG, one PNG and one BMP picture.
func testThumbnails(t testing.TB) [][]byte {
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{uint8(x * 2), uint8(y * 3), uint8(x ^ y), 255})
		}
	}
	var j, p, b bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return [][]byte{j.Bytes(), p.Bytes(), b.Bytes()}
}

// thumbcacheEntry is one cache entry to lay out in a test file.
type thumbcacheEntry struct {
	hash uint64
	id   string
	pad  int
	data []byte
}

// thumbcacheFile lays out a thumbcache_*.db of the given format version as
// libyal documents it: the 24-byte file header, the entries, then the
// empty "first available" entry that spans the rest of the file.
func thumbcacheFile(version uint32, entries []thumbcacheEntry) []byte {
	le := binary.LittleEndian
	hdrSize, _ := thumbcacheEntryHeader(version)
	out := make([]byte, 24)
	copy(out, "CMMM")
	le.PutUint32(out[4:], version)
	le.PutUint32(out[8:], 2) // cache type: thumbcache_256.db on 7, _48 on 10
	le.PutUint32(out[12:], 24)
	le.PutUint32(out[20:], uint32(len(entries)))
	put := func(e thumbcacheEntry, extraSlack int) {
		var id []byte
		for _, c := range utf16.Encode([]rune(e.id)) {
			id = le.AppendUint16(id, c)
		}
		size := int(hdrSize) + len(id) + e.pad + len(e.data) + extraSlack
		h := make([]byte, hdrSize)
		copy(h, "CMMM")
		le.PutUint32(h[4:], uint32(size))
		le.PutUint64(h[8:], e.hash)
		f := 16
		if version == 20 {
			copy(h[16:], []byte{'.', 0, 'j', 0, 'p', 0, 'g', 0})
			f = 24
		}
		le.PutUint32(h[f:], uint32(len(id)))
		le.PutUint32(h[f+4:], uint32(e.pad))
		le.PutUint32(h[f+8:], uint32(len(e.data)))
		if version >= 30 {
			le.PutUint32(h[28:], 96) // width, height
			le.PutUint32(h[32:], 64)
		}
		out = append(out, h...)
		out = append(out, id...)
		out = append(out, make([]byte, e.pad)...)
		out = append(out, e.data...)
		out = append(out, make([]byte, extraSlack)...)
	}
	for _, e := range entries {
		put(e, 0)
	}
	le.PutUint32(out[16:], uint32(len(out)))
	put(thumbcacheEntry{}, 200) // the free space at the end
	return out
}

// TestThumbcache reads Windows 7 and Windows 10 caches built from the
// documented layout: every picture comes back byte for byte, at its
// offset, named after its entry.
func TestThumbcache(t *testing.T) {
	pics := testThumbnails(t)
	for _, version := range []uint32{20, 21, 32} {
		t.Run(fmt.Sprint(version), func(t *testing.T) {
			entries := []thumbcacheEntry{
				{hash: 0x1122334455667788, id: "1122334455667788", pad: 8, data: pics[0]},
				{hash: 0xabcdef, id: "", data: pics[1]},
				{hash: 0x42, id: "42", pad: 4, data: pics[2]},
			}
			file := thumbcacheFile(version, entries)
			if f := Detect(file[:HeadSize]); f == nil || f.Name() != "thumbcache" {
				t.Fatalf("detected as %v", f)
			}
			got, err := walkAll(t, file)
			if err != nil || len(got) != 3 {
				t.Fatalf("%v %+v", err, got)
			}
			want := []string{"entry-1122334455667788-1122334455667788.jpg", "entry-0000000000abcdef.png", "entry-0000000000000042-42.bmp"}
			for i, g := range got {
				if g.name != want[i] || g.err != nil || !bytes.Equal(g.data, pics[i]) || g.size != int64(len(pics[i])) {
					t.Errorf("entry %d: %q %v %d bytes, want %q", i, g.name, g.err, len(g.data), want[i])
				}
			}
			var offs []int64
			thumbcacheFormat{}.Walk(t.Context(), bytes.NewReader(file), int64(len(file)), func(m Member) error {
				offs = append(offs, m.Offset)
				return nil
			})
			for i, o := range offs {
				if !bytes.Equal(file[o:o+int64(len(pics[i]))], pics[i]) {
					t.Errorf("entry %d: offset %d does not hold its picture", i, o)
				}
			}
		})
	}
}

// TestThumbcacheDamaged cuts an entry's size short: the entries before it
// stay, and the error names the damaged entry's offset.
func TestThumbcacheDamaged(t *testing.T) {
	pics := testThumbnails(t)
	file := thumbcacheFile(32, []thumbcacheEntry{{hash: 1, data: pics[0]}, {hash: 2, data: pics[1]}, {hash: 3, data: pics[2]}})
	second := int64(24 + 56 + len(pics[0]))
	binary.LittleEndian.PutUint32(file[second+24:], 1<<30) // data size past the file
	got, err := walkAll(t, file)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", second)) {
		t.Fatalf("error %v does not name offset %d", err, second)
	}
	if len(got) != 1 || !bytes.Equal(got[0].data, pics[0]) {
		t.Fatalf("members before the damage: %+v", got)
	}
	copy(file[second:], "XXXX") // a lost signature is an error too
	if _, err := walkAll(t, file); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", second)) {
		t.Fatalf("error %v does not name offset %d", err, second)
	}
}

// TestThumbcacheFirstEntry reads the first entry's offset from either
// header field readers disagree on (12 per libyal, 16 per dissect after
// Vista), and from neither when both are unset: no entry is skipped.
func TestThumbcacheFirstEntry(t *testing.T) {
	pics := testThumbnails(t)
	le := binary.LittleEndian
	for name, fields := range map[string][2]uint32{
		"libyal":       {24, 0},   // 16 filled in by thumbcacheFile: the free entry
		"dissect":      {0, 24},   // 12 read as a size
		"unset":        {0, 0},    // the entries follow the header
		"free entry 1": {999, 24}, // 12 points at no entry
	} {
		file := thumbcacheFile(32, []thumbcacheEntry{{hash: 1, data: pics[0]}, {hash: 2, data: pics[1]}})
		if name == "dissect" {
			le.PutUint32(file[12:], uint32(len(file)))
		} else {
			le.PutUint32(file[12:], fields[0])
		}
		if fields[1] != 0 || name == "unset" {
			le.PutUint32(file[16:], fields[1])
		}
		got, err := walkAll(t, file)
		if err != nil || len(got) != 2 || !bytes.Equal(got[0].data, pics[0]) || !bytes.Equal(got[1].data, pics[1]) {
			t.Errorf("%s: %v, %d members", name, err, len(got))
		}
	}
}
