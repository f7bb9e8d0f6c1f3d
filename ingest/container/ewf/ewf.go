// Package ewf reads Expert Witness Format images (EnCase .E01 and SMART
// .s01, EWF version 1), written from libewf's published format description.
//
// Damage never reads as zeros: a chunk that cannot be located, read,
// decompressed or checksummed fails its range with a *ChunkError naming
// the segment file and chunk, while the rest of the media stays readable.
// Missing or truncated segments are reported by Problems, not by Open.
package ewf

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync"
)

// Probe reports whether head starts with an EWF segment signature. Ex01
// (EWF2) is recognised too, so that Open can refuse it by name.
func Probe(head []byte) bool {
	return bytes.HasPrefix(head, sigEVF) || bytes.HasPrefix(head, sigEVF2)
}

// Image is the media of an EWF image, read-only. It is safe for concurrent
// use by multiple goroutines.
type Image struct {
	segs      []*segment
	runs      []run  // placed table runs, sorted by first chunk
	holes     []hole // chunk ranges no table covers
	chunkSize int64
	size      int64
	chunks    int64
	vol       volumeInfo
	meta      map[string]string
	md5, sha1 []byte
	problems  []string

	cache  *chunkCache
	tables *tableCache
	bufs   sync.Pool // *[]byte of maxStored bytes
	zlibs  sync.Pool // zlib readers
}

type segment struct {
	path string
	f    segmentFile // nil when missing
	size int64
}

// segmentFile is one segment's bytes: a file beside the first segment, or
// the content of a file found inside other evidence (see OpenReader).
type segmentFile interface {
	io.ReaderAt
	io.Closer
}

// Open opens the image whose first segment is path and finds the others by
// name beside it.
func Open(path string) (*Image, error) {
	paths, err := siblings(path)
	if err != nil {
		return nil, err
	}
	im := &Image{meta: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			im.Close()
		}
	}()
	o := opener{im: im}
	for i, p := range paths {
		if err := o.segment(i, p); err != nil {
			return nil, err
		}
	}
	if err := o.finish(); err != nil {
		return nil, err
	}
	im.cache = newChunkCache(chunkCacheBytes, im.chunkSize)
	im.tables = newTableCache(tableCacheEntries)
	ok = true
	return im, nil
}

// OpenReader opens an image known only by the content of its first
// segment (size bytes, labelled name): a file found inside an archive or
// another disk image, which has no folder to find further segments in. An
// image that needs more segments is opened up to the end of this one; the
// rest is reported by Problems as not found inside where (the file holding
// it) and reads there fail.
func OpenReader(r io.ReaderAt, size int64, name, where string) (*Image, error) {
	return OpenBeside(r, size, name, where, nil)
}

// Beside is what lies beside a first segment found inside other evidence:
// the other members of the same folder of the archive holding it.
type Beside interface {
	// Names lists the base names of the files in the first segment's folder.
	Names() []string
	// Open opens one of them by its base name. The image closes c when it
	// is closed; reads must not need the file to stay in memory.
	Open(name string) (r io.ReaderAt, size int64, c io.Closer, err error)
}

// prefetcher is a Beside that opens the files it is told of in one pass
// (the members of an archive read in order); as an io.Closer it releases
// those never asked for once the image is open.
type prefetcher interface{ Prefetch(names []string) }

// OpenBeside is OpenReader for a first segment whose further segments
// (NAME.E02 …, NAME.EAA …) are found among the files beside lists by name
// (nil: none). A missing segment is a problem naming it and where; the
// media it holds fails its reads, the rest stays readable.
func OpenBeside(r io.ReaderAt, size int64, name, where string, beside Beside) (*Image, error) {
	head := make([]byte, fileHeaderSize)
	if n, _ := r.ReadAt(head, 0); n == len(head) && hasPrefix(head, sigEVF) {
		if seg := int(head[9]) | int(head[10])<<8; seg > 1 {
			return nil, fmt.Errorf("ewf: %s is segment %d of an image: it is read with its first segment: %w", filepath.Base(name), seg, ErrLaterSegment)
		}
	}
	base := filepath.Base(name)
	names := []string{base}
	if beside != nil {
		names = matchSegments(base, beside.Names())
	}
	im := &Image{meta: map[string]string{}}
	ok := false
	defer func() {
		if !ok {
			im.Close()
		}
	}()
	o := opener{im: im}
	if err := o.scan(0, name, nopCloser{r}, size); err != nil {
		return nil, err
	}
	if p, ok := beside.(prefetcher); ok {
		var present []string
		for _, n := range names[1:] {
			if n != "" {
				present = append(present, n)
			}
		}
		p.Prefetch(present)
	}
	if c, ok := beside.(io.Closer); ok {
		defer c.Close()
	}
	for i := 1; i < len(names); i++ {
		seg := names[i]
		if seg == "" {
			seg = filepath.Base(segmentName(name, i+1))
		}
		im.segs = append(im.segs, &segment{path: seg})
		o.scans = append(o.scans, segScan{})
		if names[i] == "" {
			o.problem("segment %s is missing: not found inside %s", seg, where)
			continue
		}
		f, n, c, err := beside.Open(seg)
		if err != nil {
			o.problem("segment %s inside %s: %v", seg, where, err)
			continue
		}
		if err := o.scan(i, seg, readerCloser{f, c}, n); err != nil {
			return nil, err
		}
	}
	if err := o.finish(); err != nil {
		return nil, err
	}
	if last := len(o.scans) - 1; o.scans[last].complete && !o.scans[last].done {
		im.problems = append(im.problems, fmt.Sprintf("segment %s not found inside %s: the media past %s is not read",
			filepath.Base(segmentName(name, last+2)), where, filepath.Base(im.segs[last].path)))
	}
	im.cache = newChunkCache(chunkCacheBytes, im.chunkSize)
	im.tables = newTableCache(tableCacheEntries)
	ok = true
	return im, nil
}

// readerCloser is a segment found beside the first one, closed with it.
type readerCloser struct {
	io.ReaderAt
	c io.Closer
}

func (r readerCloser) Close() error {
	if r.c == nil {
		return nil
	}
	return r.c.Close()
}

type nopCloser struct{ io.ReaderAt }

func (nopCloser) Close() error { return nil }

// Size is the media size in bytes.
func (im *Image) Size() int64 { return im.size }

// Format is "ewf".
func (im *Image) Format() string { return "ewf" }

// Segments lists the segment files in order, missing ones included.
func (im *Image) Segments() []string {
	out := make([]string, len(im.segs))
	for i, s := range im.segs {
		out[i] = s.path
	}
	return out
}

// StoredHashes are the acquisition digests from the hash and digest
// sections.
func (im *Image) StoredHashes() map[string]string {
	h := map[string]string{}
	if im.md5 != nil {
		h["md5"] = hex.EncodeToString(im.md5)
	}
	if im.sha1 != nil {
		h["sha1"] = hex.EncodeToString(im.sha1)
	}
	return h
}

// Problems lists what Open found missing or damaged; reads in the affected
// ranges fail, the rest of the media is readable.
func (im *Image) Problems() []string { return append([]string(nil), im.problems...) }

// Metadata returns the acquisition fields of the header sections (case
// number, examiner, evidence number, notes, dates, software…) and the
// media geometry.
func (im *Image) Metadata() map[string]string {
	m := make(map[string]string, len(im.meta)+5)
	for k, v := range im.meta {
		m[k] = v
	}
	m["bytes_per_sector"] = strconv.FormatUint(uint64(im.vol.bytesPerSector), 10)
	m["sectors_per_chunk"] = strconv.FormatUint(uint64(im.vol.sectorsPerChunk), 10)
	m["sector_count"] = strconv.FormatInt(im.size/int64(im.vol.bytesPerSector), 10)
	m["media_type"] = mediaType(im.vol.mediaType)
	m["is_physical"] = strconv.FormatBool(im.vol.mediaFlags&0x02 != 0)
	return m
}

func mediaType(t byte) string {
	switch t {
	case 0x00:
		return "removable"
	case 0x01:
		return "fixed"
	case 0x03:
		return "optical"
	case 0x0e:
		return "logical"
	case 0x10:
		return "memory"
	}
	return fmt.Sprintf("unknown (0x%02x)", t)
}

// Close closes the segment files.
func (im *Image) Close() error {
	var first error
	for _, s := range im.segs {
		if s.f != nil {
			if err := s.f.Close(); err != nil && first == nil {
				first = err
			}
			s.f = nil
		}
	}
	return first
}
