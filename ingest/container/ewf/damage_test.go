package ewf

import (
	"encoding/binary"
	"errors"
	"hash/adler32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// damaged is an encase6 image in four or more 1 MiB segments, with the
// raw media and the chunk-to-segment map of the healthy copy.
type damaged struct {
	dir   string // the copy to damage
	want  []byte
	runs  []run
	first string
}

func newDamaged(t *testing.T, compression string) *damaged {
	t.Helper()
	need(t, "ewfacquire")
	src := t.TempDir()
	raw, want := media(t, src, mediaSize, 3)
	first := acquire(t, raw, src, "encase6", compression, 1<<20)
	im, err := Open(first)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if len(im.segs) < 4 {
		t.Fatalf("fixture has %d segments, want 4 or more", len(im.segs))
	}
	d := &damaged{dir: copyDir(t, src), want: want, runs: im.runs}
	d.first = filepath.Join(d.dir, filepath.Base(first))
	return d
}

func (d *damaged) path(seg int) string {
	return segmentName(d.first, seg+1)
}

// segOf returns the segment index holding chunk idx in the healthy image.
func (d *damaged) segOf(idx int64) int {
	for _, r := range d.runs {
		if idx >= r.first && idx < r.first+r.count {
			return r.seg
		}
	}
	return -1
}

func (d *damaged) open(t *testing.T) *Image {
	t.Helper()
	im, err := Open(d.first)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	return im
}

// eachChunk reads every chunk alone: good ones must match the raw media,
// bad ones must fail with a ChunkError for that chunk naming wantSeg.
func (d *damaged) eachChunk(t *testing.T, im *Image, bad func(idx int64) bool, wantSeg string) (nbad int) {
	t.Helper()
	for idx := int64(0); idx < im.chunks; idx++ {
		off := idx * im.chunkSize
		buf := make([]byte, im.chunkLen(idx))
		n, err := im.ReadAt(buf, off)
		if !bad(idx) {
			if err != nil {
				t.Fatalf("chunk %d (segment %d): %v", idx, d.segOf(idx), err)
			}
			mustEqual(t, "good chunk", buf, d.want[off:off+int64(len(buf))])
			continue
		}
		nbad++
		var ce *ChunkError
		if n != 0 || !errors.As(err, &ce) || ce.Chunk != idx || !strings.Contains(err.Error(), wantSeg) {
			t.Fatalf("damaged chunk %d: n=%d err=%v, want a ChunkError naming %s", idx, n, err, wantSeg)
		}
	}
	return nbad
}

func TestMissingMiddleSegment(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	if err := os.Remove(d.path(1)); err != nil {
		t.Fatal(err)
	}
	im := d.open(t)
	if p := strings.Join(im.Problems(), "\n"); !strings.Contains(p, "image.E02 is missing") {
		t.Fatalf("problems %q", p)
	}
	t.Logf("problems: %q", im.Problems())
	if n := d.eachChunk(t, im, func(idx int64) bool { return d.segOf(idx) == 1 }, "image.E02"); n == 0 {
		t.Fatal("no chunk in the missing segment")
	}
	// A read across the gap stops at its first chunk.
	firstBad := int64(-1)
	for _, r := range d.runs {
		if r.seg == 1 && firstBad < 0 {
			firstBad = r.first * im.chunkSize
		}
	}
	buf := make([]byte, im.Size())
	n, err := im.ReadAt(buf, 0)
	if int64(n) != firstBad || err == nil || !strings.Contains(err.Error(), "image.E02") {
		t.Fatalf("whole read: n=%d (gap at %d) err=%v", n, firstBad, err)
	}
	t.Logf("whole read: %v", err)
	mustEqual(t, "before the gap", buf[:n], d.want[:n])
}

func TestTruncatedLastSegment(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	last := 0
	for _, r := range d.runs {
		last = max(last, r.seg)
	}
	p := d.path(last)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	im := d.open(t)
	if len(im.Problems()) == 0 {
		t.Fatal("no problem recorded for a truncated segment")
	}
	t.Logf("problems: %q", im.Problems())
	name := filepath.Base(p)
	if n := d.eachChunk(t, im, func(idx int64) bool { return d.segOf(idx) == last }, name); n == 0 {
		t.Fatal("no chunk in the truncated segment")
	}
	_, err = im.Verify(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), name) {
		t.Fatalf("verify of a truncated image: %v", err)
	}
	t.Logf("verify: %v", err)
}

// TestTruncatedTail cuts only the hash and done sections: all data stays
// readable, the loss is a problem and a missing stored hash.
func TestTruncatedTail(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	last := len(d.runs) - 1
	p := d.path(d.runs[last].seg)
	st, _ := os.Stat(p)
	if err := os.Truncate(p, st.Size()-100); err != nil {
		t.Fatal(err)
	}
	im := d.open(t)
	if len(im.Problems()) == 0 {
		t.Fatal("no problem recorded")
	}
	mustEqual(t, "all data", readAll(t, im), d.want)
	v, err := im.Verify(t.Context(), nil)
	if err != nil || v.Status != "no stored hash" {
		t.Fatalf("verify: %+v %v", v, err)
	}
}

// corruptChunk flips bytes in the middle of the first chunk stored the
// wanted way and returns its number.
func corruptChunk(t *testing.T, d *damaged, compressed bool) int64 {
	t.Helper()
	im := d.open(t)
	for idx := int64(0); idx < im.chunks; idx++ {
		loc, err := im.locate(idx)
		if err != nil {
			t.Fatal(err)
		}
		if loc.compressed != compressed || loc.end-loc.start < 64 {
			continue
		}
		f, err := os.OpenFile(im.segs[loc.seg].path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		at := (loc.start + loc.end) / 2
		b := make([]byte, 8)
		f.ReadAt(b, at)
		for i := range b {
			b[i] ^= 0x5a
		}
		f.WriteAt(b, at)
		f.Close()
		return idx
	}
	t.Fatalf("no chunk with compressed=%v", compressed)
	return 0
}

func TestCorruptChunk(t *testing.T) {
	for _, compressed := range []bool{true, false} {
		d := newDamaged(t, "deflate:fast")
		idx := corruptChunk(t, d, compressed)
		im := d.open(t)
		seg := filepath.Base(d.path(d.segOf(idx)))
		d.eachChunk(t, im, func(i int64) bool { return i == idx }, seg)
		// A large read over it is cut at the chunk, never zero-filled.
		off := max(idx-3, 0) * im.chunkSize
		buf := make([]byte, 8*im.chunkSize)
		n, err := im.ReadAt(buf, off)
		var ce *ChunkError
		if int64(n) != idx*im.chunkSize-off || !errors.As(err, &ce) || ce.Chunk != idx {
			t.Fatalf("compressed=%v: read over chunk %d: n=%d err=%v", compressed, idx, n, err)
		}
		t.Logf("compressed=%v: %v", compressed, err)
	}
}

// rewriteEntry sets entry k of the first table of segment 0 in table
// and/or table2, fixing the footer checksum when fix is set.
func rewriteEntry(t *testing.T, d *damaged, k int, value uint32, which []int, fix bool) {
	t.Helper()
	r := d.runs[0]
	f, err := os.OpenFile(d.first, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, w := range which {
		b := make([]byte, 4*r.count+4)
		if _, err := f.ReadAt(b, r.entries[w]); err != nil {
			t.Fatal(err)
		}
		flag := binary.LittleEndian.Uint32(b[4*k:]) & compressedBit
		binary.LittleEndian.PutUint32(b[4*k:], value|flag)
		if fix {
			binary.LittleEndian.PutUint32(b[4*r.count:], adler32.Checksum(b[:4*r.count]))
		}
		if _, err := f.WriteAt(b, r.entries[w]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTableBeyondFile(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	rewriteEntry(t, d, 5, 0x7ffffff0, []int{0, 1}, true)
	im := d.open(t)
	_, err := im.ReadAt(make([]byte, 10), 5*im.chunkSize)
	var ce *ChunkError
	t.Logf("%v", err)
	if !errors.As(err, &ce) || ce.Chunk != 5 || !strings.Contains(err.Error(), "past the end") || !strings.Contains(err.Error(), "image.E01") {
		t.Fatalf("chunk 5 with an entry beyond the file: %v", err)
	}
	if _, err := im.ReadAt(make([]byte, 10), 3*im.chunkSize); err != nil {
		t.Fatalf("chunk 3: %v", err)
	}
}

func TestTableFallsBackToTable2(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	rewriteEntry(t, d, 5, 0x7ffffff0, []int{0}, false)
	im := d.open(t)
	mustEqual(t, "read through table2", readAll(t, im), d.want)
}

func TestBothTablesCorrupt(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	rewriteEntry(t, d, 5, 0x7ffffff0, []int{0, 1}, false)
	im := d.open(t)
	r := d.runs[0]
	d.eachChunk(t, im, func(idx int64) bool { return idx < r.first+r.count }, "image.E01")
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	ex01 := filepath.Join(dir, "x.Ex01")
	os.WriteFile(ex01, append([]byte("EVF2\r\n\x81\x00"), make([]byte, 100)...), 0o644)
	if _, err := Open(ex01); !errors.Is(err, ErrEWF2) || !strings.Contains(err.Error(), "Ex01 (EWF2) is not supported yet") {
		t.Fatalf("Ex01: %v", err)
	}
	if !Probe([]byte("EVF2\r\n\x81\x00....")) || !Probe(sigEVF) || Probe([]byte("EVF\x09\x0d\x0a\xff")) {
		t.Fatal("Probe")
	}
	e02 := filepath.Join(dir, "x.E02")
	os.WriteFile(e02, sigEVF, 0o644)
	if _, err := Open(e02); err == nil || !strings.Contains(err.Error(), "first segment") {
		t.Fatalf("opening segment 2: %v", err)
	}
	junk := filepath.Join(dir, "y.E01")
	os.WriteFile(junk, []byte("not an image at all"), 0o644)
	if _, err := Open(junk); err == nil {
		t.Fatal("junk opened")
	}
}

func TestSegmentNames(t *testing.T) {
	for n, ext := range map[int]string{1: "E01", 99: "E99", 100: "EAA", 101: "EAB", 126: "EBA", 775: "EZZ", 776: "FAA", maxSegments: "ZZZ"} {
		if got := segmentExt(n, 'E'); got != ext {
			t.Errorf("segmentExt(%d) = %s, want %s", n, got, ext)
		}
		if got := segmentNumber(strings.ToLower(ext), 'E'); got != n {
			t.Errorf("segmentNumber(%s) = %d, want %d", ext, got, n)
		}
	}
	if segmentNumber("s02", 'S') != 2 || segmentNumber("E00", 'E') != 0 || segmentNumber("D01", 'E') != 0 {
		t.Error("family")
	}
	if got := segmentName("/x/img.s01", 100); got != "/x/img.sAA" && got != "/x/img.saa" {
		t.Errorf("segmentName = %s", got)
	}
}

// TestVerifyMismatch alters the stored MD5 as read: Verify must say so and
// still report both computed digests; without stored digests it says that.
func TestVerifyMismatch(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	im := d.open(t)
	good := im.md5
	im.md5 = append([]byte{good[0] ^ 1}, good[1:]...)
	var last int64
	v, err := im.Verify(t.Context(), func(done, total int64) { last = done })
	if err != nil || v.Status != "mismatch" || v.MD5 == v.StoredMD5 || v.SHA1 == "" || last != im.Size() {
		t.Fatalf("altered md5: %+v %v (progress %d)", v, err, last)
	}
	im.md5, im.sha1 = nil, nil
	if v, err := im.Verify(t.Context(), nil); err != nil || v.Status != "no stored hash" {
		t.Fatalf("no hash: %+v %v", v, err)
	}
}

// TestTwoMissingSegments removes E02 and E04: E03's chunks cannot be
// numbered (tables carry no chunk numbers) and fail, naming the range.
func TestTwoMissingSegments(t *testing.T) {
	d := newDamaged(t, "deflate:fast")
	if d.runs[len(d.runs)-1].seg < 4 {
		t.Fatalf("fixture needs five segments")
	}
	os.Remove(d.path(1))
	os.Remove(d.path(3))
	im := d.open(t)
	t.Logf("problems: %q", im.Problems())
	bad := func(idx int64) bool { s := d.segOf(idx); return s >= 1 && s <= 3 }
	d.eachChunk(t, im, bad, "image.E02 to image.E04")
}
