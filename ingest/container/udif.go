package container

import (
	"bytes"
	"compress/bzip2"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"sync"
)

// UDIF (Apple's .dmg, as libyal's "Mac OS disk image types" describes
// it): the media is cut into chunks stored raw, as zeros, or compressed
// (zlib, bzip2, ADC; LZFSE and LZMA chunks exist but no Go decoder is
// used here, so their sectors are reported unreadable). A 512-byte "koly"
// trailer at the end of the file points at an XML property list whose
// blkx entries are "mish" block tables, one per partition, each listing
// its chunks. All values are big-endian; sectors are 512 bytes.

const (
	udifTrailerSize = 512
	udifSector      = 512
	// udifMaxChunk bounds one chunk's expanded size (hdiutil writes at
	// most 2048 sectors; 64 MiB leaves room and bounds memory).
	udifMaxChunk = 64 << 20
	// udifMaxSectors bounds the declared media (2^41 sectors = 1 PiB).
	udifMaxSectors = 1 << 41

	udifZero       = 0x00000000
	udifRaw        = 0x00000001
	udifFree       = 0x00000002
	udifComment    = 0x7ffffffe
	udifADC        = 0x80000004
	udifZlib       = 0x80000005
	udifBzip2      = 0x80000006
	udifLZFSE      = 0x80000007
	udifLZMA       = 0x80000008
	udifTerminator = 0xffffffff
)

// udifChunk is one run of media sectors and where its bytes are.
type udifChunk struct {
	kind         uint32
	start, count int64 // media sectors
	off, length  int64 // stored bytes in the file
	partition    string
}

// udifTrailer is the part of the koly block this reader uses.
type udifTrailer struct {
	dataForkOffset int64
	xmlOffset      int64
	xmlLength      int64
	sectors        int64
}

// parseUDIFTrailer decodes the 512-byte koly block.
func parseUDIFTrailer(b []byte) (udifTrailer, error) {
	if len(b) < udifTrailerSize || string(b[:4]) != "koly" {
		return udifTrailer{}, corruptf("no koly trailer")
	}
	be := binary.BigEndian
	if v := be.Uint32(b[4:]); v != 4 {
		return udifTrailer{}, fmt.Errorf("koly version %d (known: 4): %w", v, ErrUnsupported)
	}
	return udifTrailer{
		dataForkOffset: int64(be.Uint64(b[24:]) & (1<<62 - 1)),
		xmlOffset:      int64(be.Uint64(b[216:]) & (1<<62 - 1)),
		xmlLength:      int64(be.Uint64(b[224:]) & (1<<62 - 1)),
		sectors:        int64(be.Uint64(b[492:]) & (1<<62 - 1)),
	}, nil
}

// parseMish decodes one block table into chunks with absolute sectors.
// Chunk data offsets are taken from the file's start plus the data fork
// offset (0 in every image seen).
func parseMish(b []byte, partition string, dataFork int64) ([]udifChunk, error) {
	if len(b) < 204 || string(b[:4]) != "mish" {
		return nil, corruptf("block table %q: no mish signature", partition)
	}
	be := binary.BigEndian
	first := be.Uint64(b[8:])
	n := int(be.Uint32(b[200:]))
	if n > (len(b)-204)/40 {
		return nil, corruptf("block table %q: %d entries in %d bytes", partition, n, len(b))
	}
	if first > udifMaxSectors {
		return nil, corruptf("block table %q: first sector %d is absurd", partition, first)
	}
	var out []udifChunk
	for k := range n {
		e := b[204+40*k:]
		c := udifChunk{kind: be.Uint32(e), partition: partition}
		if c.kind == udifTerminator {
			break
		}
		if c.kind == udifComment {
			continue
		}
		rel, count := be.Uint64(e[8:]), be.Uint64(e[16:])
		off, length := be.Uint64(e[24:]), be.Uint64(e[32:])
		if rel > udifMaxSectors || count > udifMaxChunk/udifSector || off > 1<<62 || length > udifMaxChunk {
			return nil, corruptf("block table %q entry %d: sectors %d+%d, data %d bytes at %d out of range",
				partition, k, rel, count, length, off)
		}
		c.start, c.count = int64(first+rel), int64(count)
		c.off, c.length = dataFork+int64(off), int64(length)
		if c.count > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// udifImage reads a UDIF image. ReadAt is safe for concurrent use.
type udifImage struct {
	r        io.ReaderAt
	c        io.Closer
	path     string
	fileSize int64
	size     int64
	chunks   []udifChunk // sorted by start, not overlapping
	problems []string

	mu     sync.Mutex
	cached map[int][]byte // expanded chunks, at most udifCacheBytes
	order  []int          // cached chunks, least recently used first
	bytes  int
}

// udifCacheBytes bounds the expanded chunks kept: two workers reading
// different files, or a filesystem hopping between its metadata and its
// data, would otherwise decompress the same chunks again and again.
const udifCacheBytes = 16 << 20

// openUDIF opens path as a UDIF (.dmg) image.
func openUDIF(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("dmg: %w", err)
	}
	n, err := fileSize(f)
	if err == nil {
		var img *udifImage
		if img, err = newUDIF(f, n, path); err == nil {
			img.c = f
			return img, nil
		}
	}
	f.Close()
	return nil, err
}

// newUDIF parses the trailer, the plist and every block table of r.
func newUDIF(r io.ReaderAt, fileSize int64, name string) (*udifImage, error) {
	if fileSize < udifTrailerSize {
		return nil, corruptf("dmg %s: file of %d bytes is too small", name, fileSize)
	}
	buf := make([]byte, udifTrailerSize)
	if _, err := r.ReadAt(buf, fileSize-udifTrailerSize); err != nil && err != io.EOF {
		return nil, fmt.Errorf("dmg %s: trailer: %w", name, err)
	}
	tr, err := parseUDIFTrailer(buf)
	if err != nil {
		return nil, fmt.Errorf("dmg %s: trailer at offset %d: %w", name, fileSize-udifTrailerSize, err)
	}
	if tr.xmlLength == 0 {
		return nil, fmt.Errorf("dmg %s: no XML plist (an old image whose block tables are only in a resource fork): %w", name, ErrUnsupported)
	}
	if tr.xmlLength > udifMaxPlist || tr.xmlOffset > fileSize || tr.xmlLength > fileSize-tr.xmlOffset {
		return nil, corruptf("dmg %s: XML plist of %d bytes at offset %d does not fit the %d-byte file", name, tr.xmlLength, tr.xmlOffset, fileSize)
	}
	if tr.sectors > udifMaxSectors {
		return nil, corruptf("dmg %s: %d sectors is absurd", name, tr.sectors)
	}
	doc := make([]byte, tr.xmlLength)
	if _, err := r.ReadAt(doc, tr.xmlOffset); err != nil && err != io.EOF {
		return nil, fmt.Errorf("dmg %s: XML plist at offset %d: %w", name, tr.xmlOffset, err)
	}
	res, err := parseBlkxPlist(doc)
	if err != nil {
		return nil, fmt.Errorf("dmg %s: %w", name, err)
	}
	img := &udifImage{r: r, path: name, fileSize: fileSize, size: tr.sectors * udifSector, cached: map[int][]byte{}}
	unreadable := map[string]int64{}
	for _, rs := range res {
		cs, err := parseMish(rs.data, rs.name, tr.dataForkOffset)
		if err != nil {
			return nil, fmt.Errorf("dmg %s: %w", name, err)
		}
		for _, c := range cs {
			switch c.kind {
			case udifZero, udifFree, udifRaw, udifADC, udifZlib, udifBzip2:
			case udifLZFSE:
				unreadable["LZFSE"] += c.count
			case udifLZMA:
				unreadable["LZMA"] += c.count
			default:
				unreadable[fmt.Sprintf("type %#x", c.kind)] += c.count
			}
			if c.kind != udifZero && c.kind != udifFree && (c.off > fileSize || c.length > fileSize-c.off) {
				return nil, corruptf("dmg %s: %q chunk at sector %d stores %d bytes at offset %d, past the %d-byte file",
					name, c.partition, c.start, c.length, c.off, fileSize)
			}
			if c.kind == udifRaw && c.length < c.count*udifSector {
				return nil, corruptf("dmg %s: raw chunk at sector %d holds %d bytes for %d sectors", name, c.start, c.length, c.count)
			}
			img.chunks = append(img.chunks, c)
		}
	}
	sort.Slice(img.chunks, func(i, j int) bool { return img.chunks[i].start < img.chunks[j].start })
	var covered int64
	for i, c := range img.chunks {
		if c.start+c.count > tr.sectors {
			return nil, corruptf("dmg %s: chunk at sectors %d+%d is past the media's %d sectors", name, c.start, c.count, tr.sectors)
		}
		if i > 0 && c.start < img.chunks[i-1].start+img.chunks[i-1].count {
			return nil, corruptf("dmg %s: chunks overlap at sector %d", name, c.start)
		}
		covered += c.count
	}
	if gap := tr.sectors - covered; gap > 0 {
		img.problems = append(img.problems, fmt.Sprintf("dmg: %d sectors are in no block table and read as zeros", gap))
	}
	for how, n := range unreadable {
		img.problems = append(img.problems, fmt.Sprintf("dmg: %d sectors are stored %s-compressed, which Scrim cannot decompress: they read as errors", n, how))
	}
	sort.Strings(img.problems)
	return img, nil
}

func (u *udifImage) ReadAt(p []byte, off int64) (int, error) {
	p, eof, err := clampRead(p, off, u.size)
	if err != nil {
		return 0, err
	}
	for done := 0; done < len(p); {
		pos := off + int64(done)
		sector := pos / udifSector
		i := sort.Search(len(u.chunks), func(i int) bool { return u.chunks[i].start+u.chunks[i].count > sector })
		if i == len(u.chunks) || u.chunks[i].start > sector {
			// Not described: zeros up to the next chunk.
			end := u.size
			if i < len(u.chunks) {
				end = u.chunks[i].start * udifSector
			}
			n := min(int64(len(p)-done), end-pos)
			zero(p[done : done+int(n)])
			done += int(n)
			continue
		}
		c := u.chunks[i]
		in := pos - c.start*udifSector
		n := min(int64(len(p)-done), c.count*udifSector-in)
		if err := u.readChunk(p[done:done+int(n)], i, in); err != nil {
			return done, fmt.Errorf("dmg %s media offset %d (%s): %w", u.path, pos, c.partition, err)
		}
		done += int(n)
	}
	if eof {
		return len(p), io.EOF
	}
	return len(p), nil
}

// readChunk fills p from chunk i, starting in bytes into its media.
func (u *udifImage) readChunk(p []byte, i int, in int64) error {
	c := u.chunks[i]
	switch c.kind {
	case udifZero, udifFree:
		zero(p)
		return nil
	case udifRaw:
		if n, err := u.r.ReadAt(p, c.off+in); n < len(p) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("raw chunk at file offset %d: %w", c.off+in+int64(n), err)
		}
		return nil
	}
	data, err := u.expand(i)
	if err != nil {
		return err
	}
	copy(p, data[in:])
	return nil
}

// expand returns chunk i decompressed, from the cache when it is there.
func (u *udifImage) expand(i int) ([]byte, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if b, ok := u.cached[i]; ok {
		for k, j := range u.order {
			if j == i {
				u.order = append(append(u.order[:k:k], u.order[k+1:]...), i)
				break
			}
		}
		return b, nil
	}
	c := u.chunks[i]
	comp := make([]byte, c.length)
	if n, err := u.r.ReadAt(comp, c.off); int64(n) < c.length {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("chunk at file offset %d: %w", c.off+int64(n), err)
	}
	out := make([]byte, c.count*udifSector)
	var dec io.Reader
	switch c.kind {
	case udifZlib:
		zr, err := zlib.NewReader(bytes.NewReader(comp))
		if err != nil {
			return nil, corruptf("zlib chunk at file offset %d: %v", c.off, err)
		}
		dec = zr
	case udifBzip2:
		dec = bzip2.NewReader(bytes.NewReader(comp))
	case udifADC:
		if err := decodeADC(out, comp); err != nil {
			return nil, corruptf("ADC chunk at file offset %d: %v", c.off, err)
		}
	case udifLZFSE, udifLZMA:
		return nil, fmt.Errorf("%s chunk at file offset %d: no decoder in Scrim, not readable: %w",
			map[uint32]string{udifLZFSE: "LZFSE", udifLZMA: "LZMA"}[c.kind], c.off, ErrUnsupported)
	default:
		return nil, fmt.Errorf("chunk type %#x at file offset %d: %w", c.kind, c.off, ErrUnsupported)
	}
	if dec != nil {
		if n, err := io.ReadFull(dec, out); err != nil {
			return nil, corruptf("chunk at file offset %d expands to %d of %d bytes (%v)", c.off, n, len(out), err)
		}
		// Reading on to the end checks the stream's own checksum
		// (zlib's Adler-32, bzip2's CRCs): damage inside stored blocks
		// is caught, not read as data.
		if n, err := io.Copy(io.Discard, io.LimitReader(dec, 1)); n != 0 || err != nil {
			return nil, corruptf("chunk at file offset %d: does not end after its %d bytes (%d more, %v)", c.off, len(out), n, err)
		}
	}
	for len(u.order) > 0 && u.bytes+len(out) > udifCacheBytes {
		old := u.order[0]
		u.order = u.order[1:]
		u.bytes -= len(u.cached[old])
		delete(u.cached, old)
	}
	u.cached[i] = out
	u.order = append(u.order, i)
	u.bytes += len(out)
	return out, nil
}

// Problems name sectors read as zeros or that cannot be decompressed.
func (u *udifImage) Problems() []string { return u.problems }

func (u *udifImage) Size() int64                     { return u.size }
func (u *udifImage) Format() string                  { return "dmg" }
func (u *udifImage) Segments() []string              { return []string{u.path} }
func (u *udifImage) StoredHashes() map[string]string { return map[string]string{} }

func (u *udifImage) Close() error {
	if u.c == nil {
		return nil
	}
	return u.c.Close()
}
