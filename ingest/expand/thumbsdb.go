package expand

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/richardlehane/mscfb"
)

// thumbsDBFormat reads Windows XP Thumbs.db files: OLE2 compound files
// whose "Catalog" stream maps thumbnail ids to the original file names and
// whose other streams, named by the id's decimal digits reversed, each hold
// a small header then the thumbnail's JPEG.
type thumbsDBFormat struct{}

func (thumbsDBFormat) Name() string { return "thumbsdb" }

// Probe wants an OLE2 file whose directory, as far as its sector chain
// lies in head, lists a "Catalog" stream; other
// Thumbs.db files are still read stream by stream by the ole2 format.
func (thumbsDBFormat) Probe(h []byte) bool {
	if !(ole2Format{}).Probe(h) || len(h) < 512 {
		return false
	}
	le := binary.LittleEndian
	shift := le.Uint16(h[30:])
	if shift < 7 || shift > 12 {
		return false
	}
	sector := int64(1) << shift
	inHead := func(sect uint32) []byte {
		off := (int64(sect) + 1) * sector
		if sect >= 0xFFFFFFFA || off+sector > int64(len(h)) {
			return nil
		}
		return h[off : off+sector]
	}
	// next follows the FAT, whose first 109 sectors the header lists.
	next := func(sect uint32) uint32 {
		perFAT := uint32(sector / 4)
		if sect/perFAT >= 109 {
			return 0xFFFFFFFE
		}
		fat := inHead(le.Uint32(h[76+4*(sect/perFAT):]))
		if fat == nil {
			return 0xFFFFFFFE
		}
		return le.Uint32(fat[4*(sect%perFAT):])
	}
	sect := le.Uint32(h[48:])
	for range int(int64(len(h)) / sector) { // a looping chain ends too
		dir := inHead(sect)
		if dir == nil {
			return false
		}
		for e := 0; e+128 <= len(dir); e += 128 {
			n := int(le.Uint16(dir[e+64:]))
			if dir[e+66] == 2 && n == 16 && utf16String(dir[e:e+n]) == "Catalog" {
				return true
			}
		}
		sect = next(sect)
	}
	return false
}

func (thumbsDBFormat) Walk(ctx context.Context, r io.ReaderAt, size int64, fn func(Member) error) error {
	// A damaged Catalog costs only the names it no longer holds: the
	// thumbnails are still handed out, and the error comes at the end.
	if err := ole2Check(r, size); err != nil {
		return fmt.Errorf("thumbsdb: %w", err)
	}
	names, catErr := thumbsDBCatalog(r, size)
	cr, err := mscfb.New(io.NewSectionReader(r, 0, size))
	if err != nil {
		return fmt.Errorf("thumbsdb: %w", err)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return catErr
		}
		if err != nil {
			return fmt.Errorf("thumbsdb: %w", err)
		}
		if f.FileInfo().IsDir() || f.Size <= 0 || (len(f.Path) == 0 && f.Name == "Catalog") {
			continue
		}
		if err := fn(thumbsDBMember(f, names, size)); err != nil {
			return err
		}
	}
}

// thumbsDBMember turns one stream into its thumbnail: the JPEG after the
// stream's header, named after the original file. Streams that are not
// thumbnails are handed out whole, like the ole2 format does.
func thumbsDBMember(f *mscfb.File, names map[uint32]thumbsDBEntry, size int64) Member {
	path := strings.Join(append(append([]string(nil), f.Path...), f.Name), "/")
	m := Member{Name: cleanName(strings.Map(printableRune, path)), Size: f.Size, Packed: f.Size, Mtime: f.Modified()}
	if f.Size > size {
		m.Err = fmt.Errorf("stream %q of %d bytes in a %d-byte file: damaged directory entry", path, f.Size, size)
		return m
	}
	id, isThumb := thumbsDBID(f)
	if !isThumb {
		m.Open = func() (io.ReadCloser, error) { return io.NopCloser(io.LimitReader(f, f.Size)), nil }
		return m
	}
	if e, ok := names[id]; ok {
		m.Name, m.Mtime = cleanName(e.name), e.mtime
	} else {
		m.Name = fmt.Sprintf("thumbnail-%d (not in the Catalog)", id)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		m.Err = fmt.Errorf("thumbnail stream %q: header: %w", path, err)
		return m
	}
	le := binary.LittleEndian
	hdrSize, dataSize := int64(le.Uint32(hdr[0:])), int64(le.Uint32(hdr[8:]))
	if hdrSize < 12 || hdrSize+dataSize > f.Size {
		m.Err = fmt.Errorf("thumbnail stream %q: header of %d bytes and JPEG of %d bytes do not fit in its %d bytes: damaged", path, hdrSize, dataSize, f.Size)
		return m
	}
	if _, err := io.CopyN(io.Discard, f, hdrSize-12); err != nil {
		m.Err = fmt.Errorf("thumbnail stream %q: header: %w", path, err)
		return m
	}
	data := make([]byte, dataSize)
	if _, err := io.ReadFull(f, data); err != nil {
		m.Err = fmt.Errorf("thumbnail stream %q: JPEG: %w", path, err)
		return m
	}
	m.Size, m.Packed = dataSize, dataSize
	if at(data, 0, "\xff\xd8") && !jpegHasHuffmanTables(data) {
		m.Err = fmt.Errorf("thumbnail stream %q: type 1 JPEG without Huffman tables, not readable", path)
		return m
	}
	// A type 1 thumbnail as XP stores it: a second header (1, its length)
	// then a JPEG scan without its header and tables.
	if !at(data, 0, "\xff\xd8") && len(data) >= 16 && le.Uint32(data) == 1 {
		m.Err = fmt.Errorf("thumbnail stream %q: type 1 JPEG without its header and Huffman tables, not readable", path)
		return m
	}
	m.Open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return m
}

// thumbsDBID reads a thumbnail stream's id from its name: the id's
// decimal digits reversed ("321" is thumbnail 123).
func thumbsDBID(f *mscfb.File) (uint32, bool) {
	if len(f.Path) != 0 || f.Name == "" || len(f.Name) > 10 {
		return 0, false
	}
	rev := []byte(f.Name)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	id, err := strconv.ParseUint(string(rev), 10, 32)
	return uint32(id), err == nil
}

// thumbsDBEntry is a Catalog entry: the original file's name and its
// modification time when the thumbnail was made.
type thumbsDBEntry struct {
	name  string
	mtime time.Time
}

// filetime converts a Windows FILETIME (100 ns since 1601), zero if unset.
func filetime(ft uint64) time.Time {
	const unixEpoch = 116444736000000000
	if ft < unixEpoch {
		return time.Time{}
	}
	since := ft - unixEpoch // in seconds and nanoseconds: a Duration would overflow
	return time.Unix(int64(since/1e7), int64(since%1e7)*100).UTC()
}

// thumbsDBCatalog reads the Catalog stream: a header (its size, version,
// entry count, thumbnail width and height), then per entry its size, id,
// FILETIME and the original file name in UTF-16. A damaged Catalog
// returns the names read before the damage and an error.
func thumbsDBCatalog(r io.ReaderAt, size int64) (map[uint32]thumbsDBEntry, error) {
	cr, err := mscfb.New(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, fmt.Errorf("thumbsdb: %w", err)
	}
	var cat []byte
	for {
		f, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("thumbsdb: no Catalog stream")
		}
		if err != nil {
			return nil, fmt.Errorf("thumbsdb: looking for the Catalog: %w", err)
		}
		if len(f.Path) == 0 && f.Name == "Catalog" && !f.FileInfo().IsDir() {
			if f.Size > size || f.Size < 16 {
				return nil, fmt.Errorf("thumbsdb: Catalog stream of %d bytes in a %d-byte file: damaged", f.Size, size)
			}
			cat = make([]byte, f.Size)
			if _, err := io.ReadFull(f, cat); err != nil {
				return nil, fmt.Errorf("thumbsdb: reading the Catalog: %w", err)
			}
			break
		}
	}
	le := binary.LittleEndian
	off, count := int(le.Uint16(cat[0:])), le.Uint32(cat[4:])
	names := make(map[uint32]thumbsDBEntry)
	for i := uint32(0); i < count; i++ {
		if off+16 > len(cat) {
			return names, fmt.Errorf("thumbsdb: Catalog entry %d at offset %d past its %d bytes: damaged", i, off, len(cat))
		}
		n := int(le.Uint32(cat[off:]))
		if n < 16 || off+n > len(cat) {
			return names, fmt.Errorf("thumbsdb: Catalog entry %d at offset %d of %d bytes does not fit: damaged", i, off, n)
		}
		names[le.Uint32(cat[off+4:])] = thumbsDBEntry{utf16String(cat[off+16 : off+n]), filetime(le.Uint64(cat[off+8:]))}
		off += n
	}
	return names, nil
}

// jpegHasHuffmanTables reports whether a JPEG defines a Huffman table
// (DHT marker) before its scan; Thumbs.db "type 1" thumbnails leave them
// out and no standard decoder reads them.
func jpegHasHuffmanTables(b []byte) bool {
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xff {
			return false
		}
		marker := b[i+1]
		switch {
		case marker == 0xc4:
			return true
		case marker == 0xda || marker == 0xd9:
			return false
		case marker == 0xff || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01:
			i++
			continue
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return false
}
