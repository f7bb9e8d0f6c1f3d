package expand

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/jpeg"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// compoundFile hand-builds an OLE2 compound file (version 3, 512-byte
// sectors, as [MS-CFB] lays it out; no Debian tool writes one) holding one
// stream named name, its sectors written in reverse order so the stream
// is only whole when its FAT chain is followed.
func compoundFile(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	const sector, end, free, fatSect, noStream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
	if len(data) < 4096 {
		data = append(data, make([]byte, 4096-len(data))...) // past the mini-stream cutoff
	}
	n := (len(data) + sector - 1) / sector
	le := binary.LittleEndian
	hdr := make([]byte, sector)
	copy(hdr, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1)    // FAT sectors
	le.PutUint32(hdr[48:], 1)    // first directory sector
	le.PutUint32(hdr[56:], 4096) // mini-stream cutoff
	le.PutUint32(hdr[60:], end)
	le.PutUint32(hdr[68:], end)
	for i := 76; i < sector; i += 4 {
		le.PutUint32(hdr[i:], free)
	}
	le.PutUint32(hdr[76:], 0) // the FAT is sector 0
	fat := make([]byte, sector)
	for i := 0; i < sector; i += 4 {
		le.PutUint32(fat[i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], end)
	// Stream sector k (k-th in the chain) sits at sector 2+n-1-k.
	phys := func(k int) uint32 { return uint32(2 + n - 1 - k) }
	for k := range n {
		next := uint32(end)
		if k+1 < n {
			next = phys(k + 1)
		}
		le.PutUint32(fat[4*phys(k):], next)
	}
	dir := make([]byte, sector)
	entry := func(i int, name string, typ byte, child, start uint32, size uint64) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	entry(0, "Root Entry", 5, 1, end, 0)
	entry(1, name, 2, noStream, phys(0), uint64(len(data)))
	for i := 2; i < 4; i++ {
		le.PutUint32(dir[i*128+68:], noStream)
		le.PutUint32(dir[i*128+72:], noStream)
		le.PutUint32(dir[i*128+76:], noStream)
	}
	out := append(append(hdr, fat...), dir...)
	body := make([]byte, n*sector)
	copy(body, data)
	for k := n - 1; k >= 0; k-- {
		out = append(out, body[k*sector:(k+1)*sector]...)
	}
	return out
}

// TestOLE2 reads a stream back through its scattered sectors and finds
// the picture inside it, which carving the file's raw bytes cannot.
func TestOLE2(t *testing.T) {
	var pic bytes.Buffer
	jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 200, 150)), nil)
	stream := append(make([]byte, 12), pic.Bytes()...) // a Thumbs.db-like header, then the JPEG
	stream = append(stream, make([]byte, 5000)...)
	file := compoundFile(t, "256_1", stream)
	got, err := walkAll(t, file)
	if err != nil || len(got) != 1 || got[0].name != "256_1" || !bytes.Equal(got[0].data, stream) {
		t.Fatalf("%v %+v", err, got)
	}
	find := func(b []byte) int {
		n := 0
		Hidden(context.Background(), bytes.NewReader(b), int64(len(b)), func(m Member) error {
			rc, _ := m.Open()
			data, _ := io.ReadAll(rc)
			if bytes.Equal(data, pic.Bytes()) {
				n++
			}
			return nil
		})
		return n
	}
	if find(got[0].data) != 1 {
		t.Error("the picture in the stream was not found")
	}
	if find(file) != 0 {
		t.Error("the scattered picture was carved from the raw file: the fixture does not scatter it")
	}
}

// TestOLE2Forged gives both OLE2 readers headers whose counts and chains
// lie: each is refused quickly with a named error, where the library
// behind them allocated gigabytes for a forged DIFAT count.
func TestOLE2Forged(t *testing.T) {
	file, _ := thumbsDB(t)
	le := binary.LittleEndian
	dirStart := le.Uint32(file[48:])
	for _, c := range []struct {
		name, want string
		forge      func(b []byte)
	}{
		{"FAT and DIFAT counts", "FAT sectors", func(b []byte) { le.PutUint32(b[44:], 0xFFFFFF00); le.PutUint32(b[72:], 0x2000000) }},
		{"mini FAT count", "mini FAT sectors", func(b []byte) { le.PutUint32(b[64:], 0x7000000) }},
		{"DIFAT count", "DIFAT sectors", func(b []byte) { le.PutUint32(b[72:], 64) }},
		{"directory outside", "directory chain reaches", func(b []byte) { le.PutUint32(b[48:], 0x00800000) }},
		{"directory loop", "directory chain loops", func(b []byte) {
			// the directory's FAT entry points back at itself
			fat0 := le.Uint32(b[76:])
			le.PutUint32(b[(int(fat0)+1)*512+4*int(dirStart):], dirStart)
		}},
		{"sector shift", "sector shift", func(b []byte) { le.PutUint16(b[30:], 16) }},
	} {
		b := append([]byte(nil), file...)
		c.forge(b)
		for _, fm := range []Format{ole2Format{}, thumbsDBFormat{}} {
			start := time.Now()
			err := fm.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), func(Member) error { return nil })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: %v, want %q", c.name, fm.Name(), err, c.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("%s, %s: refused after %v", c.name, fm.Name(), d)
			}
		}
	}
}
