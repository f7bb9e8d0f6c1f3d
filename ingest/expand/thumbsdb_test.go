package expand

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// ole2Stream is one stream for compoundStreams.
type ole2Stream struct {
	name string
	data []byte
}

// compoundStreams hand-builds an OLE2 compound file (version 3, 512-byte
// sectors, [MS-CFB]) holding several root streams, each at least 4096
// bytes so that none lives in the mini-stream: sector 0 is the FAT, then
// the directory, then each stream's sectors in order. The root's children
// are chained through their right siblings.
func compoundStreams(t testing.TB, streams []ole2Stream) []byte {
	const sector, end, free, fatSect, noStream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
	le := binary.LittleEndian
	dirSectors := (len(streams) + 1 + 3) / 4
	var fat []uint32
	fat = append(fat, fatSect)
	for i := range dirSectors {
		next := uint32(end)
		if i+1 < dirSectors {
			next = uint32(len(fat) + 1)
		}
		fat = append(fat, next)
	}
	starts := make([]uint32, len(streams))
	var body []byte
	for i, s := range streams {
		if len(s.data) < 4096 {
			t.Fatalf("stream %s of %d bytes would go to the mini-stream", s.name, len(s.data))
		}
		n := (len(s.data) + sector - 1) / sector
		starts[i] = uint32(len(fat))
		for k := range n {
			next := uint32(end)
			if k+1 < n {
				next = uint32(len(fat) + 1)
			}
			fat = append(fat, next)
		}
		padded := make([]byte, n*sector)
		copy(padded, s.data)
		body = append(body, padded...)
	}
	if len(fat) > sector/4 {
		t.Fatalf("%d sectors need more than one FAT sector", len(fat))
	}
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
	le.PutUint32(hdr[76:], 0)
	fatBytes := make([]byte, sector)
	for i := range sector / 4 {
		v := uint32(free)
		if i < len(fat) {
			v = fat[i]
		}
		le.PutUint32(fatBytes[4*i:], v)
	}
	dir := make([]byte, dirSectors*sector)
	for i := 0; i < dirSectors*4; i++ {
		e := dir[i*128:]
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], noStream)
	}
	entry := func(i int, name string, typ byte, right, child, start uint32, size uint64) {
		e := dir[i*128 : (i+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], size)
	}
	entry(0, "Root Entry", 5, noStream, 1, end, 0)
	for i, s := range streams {
		right := uint32(noStream)
		if i+1 < len(streams) {
			right = uint32(i + 2)
		}
		entry(i+1, s.name, 2, right, noStream, starts[i], uint64(len(s.data)))
	}
	return append(append(append(hdr, fatBytes...), dir...), body...)
}

// thumbsCatalog builds a Catalog stream: its 16-byte header, then per
// entry its size, id, FILETIME and the original name in UTF-16 with a NUL
// and two more zero bytes, ending with the last entry as XP writes it.
func thumbsCatalog(names map[uint32]string, ids []uint32) []byte {
	le := binary.LittleEndian
	out := make([]byte, 16)
	le.PutUint16(out[0:], 16)
	le.PutUint16(out[2:], 7)
	le.PutUint32(out[4:], uint32(len(ids)))
	le.PutUint32(out[8:], 96)
	le.PutUint32(out[12:], 96)
	for _, id := range ids {
		var name []byte
		for _, c := range utf16.Encode([]rune(names[id])) {
			name = le.AppendUint16(name, c)
		}
		name = append(name, 0, 0, 0, 0)
		e := make([]byte, 16, 16+len(name))
		le.PutUint32(e[0:], uint32(16+len(name)))
		le.PutUint32(e[4:], id)
		le.PutUint64(e[8:], uint64(time.Date(2001, 8, 24, 0, 0, 0, 0, time.UTC).Unix()+11644473600)*1e7) // FILETIME
		out = append(out, append(e, name...)...)
	}
	return out
}

// thumbsStream is one thumbnail stream: header size, index, data size,
// then the JPEG.
func thumbsStream(index uint32, pic []byte) []byte {
	le := binary.LittleEndian
	out := make([]byte, 12)
	le.PutUint32(out[0:], 12)
	le.PutUint32(out[4:], index)
	le.PutUint32(out[8:], uint32(len(pic)))
	return append(out, pic...) // the stream ends with the JPEG's EOI
}

// reversedID is a Thumbs.db stream name: the id's decimal digits reversed.
func reversedID(id uint32) string {
	s := []byte(strconv.Itoa(int(id)))
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return string(s)
}

// thumbsDB builds a Windows XP Thumbs.db holding two JPEG thumbnails and
// one "type 1" JPEG whose Huffman tables were left out.
func thumbsDB(t testing.TB) (file []byte, pics [][]byte) {
	img := noisyJPEG(t, 1)
	other := noisyJPEG(t, 2)
	type1 := stripHuffmanTables(t, noisyJPEG(t, 3))
	names := map[uint32]string{1: "holiday.jpg", 12: "scan 0012.JPG", 123: "broken.jpg"}
	ids := []uint32{1, 12, 123}
	// The other files of the folder, thumbnails since deleted: the
	// Catalog grows past the mini-stream cutoff as in a full folder.
	for id := uint32(200); id < 300; id++ {
		names[id] = fmt.Sprintf("IMG_%04d.JPG", id)
		ids = append(ids, id)
	}
	file = compoundStreams(t, []ole2Stream{
		{reversedID(1), thumbsStream(1, img)},
		{reversedID(12), thumbsStream(2, other)},
		{reversedID(123), thumbsStream(3, type1)},
		{"Catalog", thumbsCatalog(names, ids)}, // last: see TestThumbsDBVinetto
	})
	return file, [][]byte{img, other, type1}
}

// stripHuffmanTables drops the DHT segments of a JPEG, as XP's type 1
// thumbnails are stored.
func stripHuffmanTables(t testing.TB, j []byte) []byte {
	out := append([]byte(nil), j[:2]...)
	for i := 2; i+4 <= len(j); {
		marker := j[i+1]
		if marker == 0xda {
			return append(out, j[i:]...)
		}
		n := 2 + int(binary.BigEndian.Uint16(j[i+2:]))
		if marker != 0xc4 {
			out = append(out, j[i:i+n]...)
		}
		i += n
	}
	t.Fatal("no scan in the JPEG")
	return nil
}

// TestThumbsDB reads a Thumbs.db: each thumbnail's JPEG without its
// header, named after the original file from the Catalog, and the type 1
// JPEG listed as unreadable.
func TestThumbsDB(t *testing.T) {
	file, pics := thumbsDB(t)
	if f := Detect(file[:HeadSize]); f == nil || f.Name() != "thumbsdb" {
		t.Fatalf("detected as %v", f)
	}
	got, err := walkAll(t, file)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v %+v", err, got)
	}
	byName := map[string]listed{}
	for _, g := range got {
		byName[g.name] = g
	}
	for i, name := range []string{"holiday.jpg", "scan 0012.JPG"} {
		g, ok := byName[name]
		if !ok || g.err != nil || !bytes.Equal(g.data, pics[i]) || g.size != int64(len(pics[i])) {
			t.Errorf("%s: %v %v %d bytes, want %d", name, ok, g.err, len(g.data), len(pics[i]))
		}
	}
	var mtime time.Time
	thumbsDBFormat{}.Walk(t.Context(), bytes.NewReader(file), int64(len(file)), func(m Member) error {
		if m.Name == "holiday.jpg" {
			mtime = m.Mtime
		}
		return nil
	})
	if want := time.Date(2001, 8, 24, 0, 0, 0, 0, time.UTC); !mtime.Equal(want) {
		t.Errorf("holiday.jpg modified %v, want %v from the Catalog", mtime, want)
	}
	if g := byName["broken.jpg"]; g.err == nil || !strings.Contains(g.err.Error(), "Huffman") || g.data != nil {
		t.Errorf("type 1 JPEG: %v, %d bytes", g.err, len(g.data))
	}
	// A type 1 thumbnail with XP's second header instead of a JPEG one.
	raw := stripHuffmanTables(t, noisyJPEG(t, 4))
	type1 := binary.LittleEndian.AppendUint32(nil, 1)
	type1 = binary.LittleEndian.AppendUint16(type1, uint16(len(raw)))
	type1 = append(append(type1, make([]byte, 10)...), raw[200:]...)
	file = compoundStreams(t, []ole2Stream{
		{"Catalog", append(thumbsCatalog(map[uint32]string{7: "old.bmp"}, []uint32{7}), make([]byte, 4096)...)},
		{reversedID(7), thumbsStream(1, type1)},
	})
	got, err = walkAll(t, file)
	if err != nil || len(got) != 1 || got[0].name != "old.bmp" || got[0].err == nil || !strings.Contains(got[0].err.Error(), "type 1") {
		t.Errorf("type 1 thumbnail: %v %+v", err, got)
	}
	// Without a Catalog the file is a plain OLE2 file.
	plain := compoundStreams(t, []ole2Stream{{reversedID(1), thumbsStream(1, pics[0])}})
	if f := Detect(plain[:HeadSize]); f == nil || f.Name() != "ole2" {
		t.Errorf("without a Catalog detected as %v", f)
	}
}

// TestThumbsDBDamaged gives a thumbnail a data size past its stream and
// cuts the Catalog: each is an error, the thumbnails stay, those whose
// names were lost named by their ids.
func TestThumbsDBDamaged(t *testing.T) {
	file, pics := thumbsDB(t)
	// The first stream's data starts after the header, FAT and directory.
	first := bytes.Index(file, thumbsStream(1, pics[0])[:12])
	binary.LittleEndian.PutUint32(file[first+8:], 1<<20)
	got, err := walkAll(t, file)
	if err != nil || len(got) != 3 || got[0].err == nil || !strings.Contains(got[0].err.Error(), "damaged") {
		t.Fatalf("%v %+v", err, got)
	}
	if got[1].name != "scan 0012.JPG" || !bytes.Equal(got[1].data, pics[1]) {
		t.Errorf("the next thumbnail was lost: %+v", got[1])
	}
	cat := bytes.Index(file, []byte{16, 0, 7, 0, 103, 0, 0, 0})                // the Catalog header: 103 entries
	binary.LittleEndian.PutUint32(file[cat+16+(16+2*11+4)+(16+2*13+4):], 9999) // the third entry's size, after "holiday.jpg" and "scan 0012.JPG"
	got, err = walkAll(t, file)
	if err == nil || !strings.Contains(err.Error(), "Catalog entry 2") || len(got) != 3 {
		t.Fatalf("cut Catalog: %v %+v", err, got)
	}
	if got[1].name != "scan 0012.JPG" || got[2].name != "thumbnail-123 (not in the Catalog)" || got[2].err == nil {
		t.Errorf("after the cut Catalog: %q %q %v", got[1].name, got[2].name, got[2].err)
	}
}

// noisyJPEG generates a JFIF picture of random pixels, so its stream is
// past the 4096-byte mini-stream cutoff without padding.
func noisyJPEG(t testing.TB, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := range 96 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(x + y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	// XP's thumbnails are JFIF files: Go writes no APP0 segment, add one.
	jfif := "\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
	return append(append([]byte("\xff\xd8"), jfif...), b.Bytes()[2:]...)
}

// TestThumbsDBVinetto cross-checks the hand-built Thumbs.db with vinetto,
// an independent Thumbs.db reader: it checks each thumbnail stream's
// header against the stream and writes its JPEG, the same bytes as our
// members.
func TestThumbsDBVinetto(t *testing.T) {
	if _, err := exec.LookPath("vinetto"); err != nil {
		t.Skip("vinetto not installed")
	}
	file, pics := thumbsDB(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "Thumbs.db")
	out := filepath.Join(dir, "out") + "/"
	if err := os.WriteFile(db, file, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(out, 0o755)
	// Debian's vinetto 0.8.0 crashes printing a Catalog entry under
	// Python 3 (str + bytes at "+ TNname"), after the streams before the
	// Catalog are written: so the fixture puts the Catalog last, and only
	// that crash is tolerated.
	report, err := exec.Command("vinetto", "-o", out, db).CombinedOutput()
	if err != nil && !bytes.Contains(report, []byte("TNname")) {
		t.Fatalf("vinetto: %v\n%s", err, report)
	}
	found := 0
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || filepath.Ext(p) != ".jpg" {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, pic := range pics {
			if bytes.Equal(b, pic) {
				found++
			}
		}
		return nil
	})
	if found != len(pics) {
		t.Errorf("vinetto wrote %d of our %d thumbnails:\n%s", found, len(pics), report)
	}
}
