package ewf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// ChunkError is a range of the media that cannot be read. Offset and
// Length bound the chunk in the media, so callers can skip past it.
type ChunkError struct {
	Segment string // segment file base name, or a description of the gap
	Chunk   int64
	Offset  int64
	Length  int64
	Err     error
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("ewf: %s: chunk %d (media bytes %d-%d): %v", e.Segment, e.Chunk, e.Offset, e.Offset+e.Length-1, e.Err)
}

func (e *ChunkError) Unwrap() error { return e.Err }

// parallelMin is the chunk count from which a read is spread over workers.
const parallelMin = 3

// ReadAt reads media bytes. Reads spanning several chunks decompress them
// in parallel; n counts the bytes before the first chunk that failed.
func (im *Image) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errorf("negative offset %d", off)
	}
	if off >= im.size {
		return 0, io.EOF
	}
	want := p
	if rest := im.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	var n int
	var err error
	if (off+int64(len(want))-1)/im.chunkSize-off/im.chunkSize+1 >= parallelMin {
		n, err = im.readParallel(want, off)
	} else {
		n, err = im.readSerial(want, off)
	}
	if err == nil && len(want) < len(p) {
		err = io.EOF
	}
	return n, err
}

func (im *Image) readSerial(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		idx := (off + int64(n)) / im.chunkSize
		data, err := im.cachedChunk(idx)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], data[off+int64(n)-idx*im.chunkSize:])
	}
	return n, nil
}

// readParallel hands chunks to GOMAXPROCS workers. Whole chunks are
// decompressed straight into p; the partial ones at either end go through
// the cache, where the next small read is likely to want them.
func (im *Image) readParallel(p []byte, off int64) (int, error) {
	first := off / im.chunkSize
	count := (off+int64(len(p))-1)/im.chunkSize - first + 1
	var next atomic.Int64
	failed := atomic.Int64{}
	failed.Store(count)
	errs := make([]error, count)
	one := func(k int64) error {
		idx := first + k
		cs, ce := idx*im.chunkSize, min((idx+1)*im.chunkSize, im.size)
		lo, hi := max(cs, off), min(ce, off+int64(len(p)))
		dst := p[lo-off : hi-off]
		if lo == cs && hi == ce {
			return im.decodeChunk(idx, dst)
		}
		data, err := im.cachedChunk(idx)
		if err == nil {
			copy(dst, data[lo-cs:])
		}
		return err
	}
	workers := int(min(int64(runtime.GOMAXPROCS(0)), count))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := next.Add(1) - 1
				if k >= count {
					return
				}
				if k > failed.Load() {
					continue // past a failure: n will not count it
				}
				if err := one(k); err != nil {
					errs[k] = err
					for f := failed.Load(); k < f && !failed.CompareAndSwap(f, k); f = failed.Load() {
					}
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f < count {
		return int(max((first+f)*im.chunkSize-off, 0)), errs[f]
	}
	return len(p), nil
}

func (im *Image) chunkLen(idx int64) int64 {
	return min(im.chunkSize, im.size-idx*im.chunkSize)
}

// cachedChunk returns chunk idx decompressed; the slice must not be changed.
func (im *Image) cachedChunk(idx int64) ([]byte, error) {
	if b, ok := im.cache.get(idx); ok {
		return b, nil
	}
	b := make([]byte, im.chunkLen(idx))
	if err := im.decodeChunk(idx, b); err != nil {
		return nil, err
	}
	im.cache.put(idx, b)
	return b, nil
}

// location is where a chunk is stored.
type location struct {
	seg        int
	start, end int64 // end is where the next chunk or the region starts
	compressed bool
}

// maxStored bounds the bytes read for one chunk: deflate of incompressible
// data grows by 5 bytes per 16 KiB block, writers store such chunks raw.
func (im *Image) maxStored() int64 { return im.chunkSize + im.chunkSize/256 + 1024 }

// decodeChunk decompresses or checks chunk idx into dst (its full length).
func (im *Image) decodeChunk(idx int64, dst []byte) error {
	fail := func(seg string, err error) error {
		return &ChunkError{Segment: seg, Chunk: idx, Offset: idx * im.chunkSize, Length: int64(len(dst)), Err: err}
	}
	loc, err := im.locate(idx)
	if err != nil {
		var ce *ChunkError
		if errors.As(err, &ce) {
			return err
		}
		return fail(filepath.Base(im.segs[loc.seg].path), err)
	}
	seg := im.segs[loc.seg]
	name := filepath.Base(seg.path)
	f := seg.f
	if f == nil {
		return fail(name, errorf("image is closed"))
	}
	if loc.start >= seg.size {
		return fail(name, fmt.Errorf("stored at %d, past the end of the file (%d bytes): truncated or bad table", loc.start, seg.size))
	}
	if loc.end <= loc.start {
		return fail(name, fmt.Errorf("table gives it no room (%d to %d)", loc.start, loc.end))
	}
	bp := im.buffer()
	defer im.bufs.Put(bp)
	if !loc.compressed {
		need := int64(len(dst)) + 4
		if loc.end-loc.start < need {
			return fail(name, fmt.Errorf("stored in %d bytes at %d, needs %d", loc.end-loc.start, loc.start, need))
		}
		buf := (*bp)[:need]
		if k, err := f.ReadAt(buf, loc.start); int64(k) < need {
			return fail(name, fmt.Errorf("reading %d bytes at %d: got %d: %v (truncated?)", need, loc.start, k, err))
		}
		if adler32.Checksum(buf[:len(dst)]) != le32(buf[len(dst):]) {
			return fail(name, fmt.Errorf("checksum mismatch at %d", loc.start))
		}
		copy(dst, buf)
		return nil
	}
	n := min(loc.end-loc.start, im.maxStored())
	buf := (*bp)[:n]
	k, err := f.ReadAt(buf, loc.start)
	if k == 0 && err != nil {
		return fail(name, fmt.Errorf("reading at %d: %w", loc.start, err))
	}
	if err := im.inflate(buf[:k], dst); err != nil {
		if int64(k) < n {
			err = fmt.Errorf("%w (file ends after %d of %d bytes: truncated?)", err, k, n)
		}
		return fail(name, fmt.Errorf("compressed at %d: %w", loc.start, err))
	}
	return nil
}

func (im *Image) buffer() *[]byte {
	if bp, ok := im.bufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, im.maxStored())
	return &b
}

// inflate decompresses a zlib stream that must yield exactly len(dst)
// bytes; reading to its end makes the reader check the stream's adler32.
func (im *Image) inflate(src, dst []byte) error {
	var zr io.ReadCloser
	var err error
	if r, ok := im.zlibs.Get().(io.ReadCloser); ok {
		zr = r
		err = r.(zlib.Resetter).Reset(bytes.NewReader(src), nil)
	} else {
		zr, err = zlib.NewReader(bytes.NewReader(src))
	}
	if err != nil {
		return err
	}
	defer im.zlibs.Put(zr)
	if k, err := io.ReadFull(zr, dst); err != nil {
		return fmt.Errorf("inflated %d of %d bytes: %w", k, len(dst), err)
	}
	var one [1]byte
	switch k, err := zr.Read(one[:]); {
	case k > 0:
		return fmt.Errorf("inflates to more than %d bytes", len(dst))
	case err != io.EOF:
		if err == nil {
			err = io.ErrNoProgress
		}
		return err
	}
	return nil
}

// locate finds chunk idx through its table.
func (im *Image) locate(idx int64) (location, error) {
	i := sort.Search(len(im.runs), func(i int) bool { return im.runs[i].first+im.runs[i].count > idx })
	if i == len(im.runs) || im.runs[i].first > idx {
		why := "no table covers it"
		seg := filepath.Base(im.segs[len(im.segs)-1].path)
		for _, h := range im.holes {
			if idx >= h.first && idx < h.end {
				why, seg = h.why, h.segs
			}
		}
		return location{}, &ChunkError{Segment: seg, Chunk: idx, Offset: idx * im.chunkSize, Length: im.chunkLen(idx), Err: errors.New(why)}
	}
	r := &im.runs[i]
	loc := location{seg: r.seg}
	entries, err := im.entries(i)
	if err != nil {
		return loc, err
	}
	k := idx - r.first
	e := entries[k]
	loc.compressed = e&compressedBit != 0
	loc.start = r.base + int64(e&^compressedBit)
	loc.end = r.dataEnd
	if k+1 < int64(len(entries)) {
		loc.end = r.base + int64(entries[k+1]&^compressedBit)
	}
	return loc, nil
}

// entries returns run i's table entries, loading and checking them once.
// A table whose checksum fails is replaced by its table2 copy; when both
// fail the chunks are unreadable rather than read from a guessed place.
func (im *Image) entries(i int) ([]uint32, error) {
	if e, ok := im.tables.get(int64(i)); ok {
		return e, nil
	}
	r := &im.runs[i]
	f := im.segs[r.seg].f
	if f == nil {
		return nil, errorf("image is closed")
	}
	var firstTry []uint32
	footer := false
	why := "checksum mismatch in table and table2"
	for _, at := range r.entries {
		if at == 0 {
			continue
		}
		b := make([]byte, 4*r.count+4)
		k, err := f.ReadAt(b, at)
		if int64(k) < 4*r.count {
			why = fmt.Sprintf("reading %d entries at %d: %v", r.count, at, err)
			continue
		}
		e := make([]uint32, r.count)
		for j := range e {
			e[j] = le32(b[4*j:])
		}
		if int64(k) == 4*r.count+4 && checksumOK(b, int(4*r.count)) {
			im.tables.put(int64(i), e)
			return e, nil
		}
		if firstTry == nil {
			firstTry = e
			// SMART and EWF tables have no checksum: the first chunk
			// follows the entries directly.
			footer = r.base+int64(e[0]&^compressedBit) != at+4*r.count
		}
	}
	if firstTry != nil && !footer {
		im.tables.put(int64(i), firstTry)
		return firstTry, nil
	}
	return nil, fmt.Errorf("table at %d: %s", r.entries[0], why)
}
