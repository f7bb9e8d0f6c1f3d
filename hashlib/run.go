package hashlib

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
)

// A run file is one set's digests of one algorithm, sorted: a 64-byte
// header, then fixed-width records (digest, set ID uint32 big-endian,
// category index uint16 big-endian). The set ID is in every record so runs
// of several sets can be merged into one later without a format change.
//
//	0  8  magic "SCRIMRN1"
//	8  1  digest length (16 MD5, 20 SHA-1, 32 SHA-256)
//	9  1  record width (digest length + 6)
//	10 2  zero
//	12 4  set ID
//	16 8  record count
//	24 40 zero
const (
	runMagic      = "SCRIMRN1"
	runHeaderSize = 64
	recTail       = 6 // set ID + category index
)

// Algorithms and their digest lengths in bytes.
var algoLen = map[string]int{"md5": 16, "sha1": 20, "sha256": 32}

// DigestLen is an algorithm's digest length in bytes (0: unknown).
func DigestLen(algo string) int { return algoLen[algo] }

// Algos lists the algorithms in a fixed order.
var Algos = []string{"md5", "sha1", "sha256"}

type runHeader struct {
	digestLen int
	set       uint32
	count     int64
}

func (h runHeader) width() int { return h.digestLen + recTail }

func (h runHeader) encode() []byte {
	b := make([]byte, runHeaderSize)
	copy(b, runMagic)
	b[8] = byte(h.digestLen)
	b[9] = byte(h.width())
	binary.BigEndian.PutUint32(b[12:], h.set)
	binary.BigEndian.PutUint64(b[16:], uint64(h.count))
	return b
}

// parseRunHeader checks a run's header against the file size.
func parseRunHeader(b []byte, size int64) (runHeader, error) {
	var h runHeader
	if len(b) < runHeaderSize || string(b[:8]) != runMagic {
		return h, fmt.Errorf("not a hash-library run (bad magic)")
	}
	h.digestLen = int(b[8])
	if h.digestLen != 16 && h.digestLen != 20 && h.digestLen != 32 {
		return h, fmt.Errorf("digest length %d is not MD5, SHA-1 or SHA-256", h.digestLen)
	}
	if int(b[9]) != h.width() {
		return h, fmt.Errorf("record width %d, want %d", b[9], h.width())
	}
	h.set = binary.BigEndian.Uint32(b[12:])
	n := binary.BigEndian.Uint64(b[16:])
	if n > uint64(size)/uint64(h.width()) || int64(n)*int64(h.width())+runHeaderSize != size {
		return h, fmt.Errorf("header says %d records of %d bytes but the file holds %d bytes (truncated or overwritten?)", n, h.width(), size)
	}
	h.count = int64(n)
	return h, nil
}

// run is one mapped run file.
type run struct {
	path string
	hdr  runHeader
	data []byte // the whole file, read-only mapping
	recs []byte // data[runHeaderSize:]
}

// openRun maps a run read-only and checks its header.
func openRun(path string) (*run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("hash library run %s: %w", path, err)
	}
	if fi.Size() < runHeaderSize {
		return nil, fmt.Errorf("hash library run %s: %d bytes, shorter than its header", path, fi.Size())
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("hash library run %s: map: %w", path, err)
	}
	h, err := parseRunHeader(data, fi.Size())
	if err != nil {
		syscall.Munmap(data)
		return nil, fmt.Errorf("hash library run %s: %w", path, err)
	}
	return &run{path: path, hdr: h, data: data, recs: data[runHeaderSize:]}, nil
}

func (r *run) close() error {
	if r.data == nil {
		return nil
	}
	err := syscall.Munmap(r.data)
	r.data, r.recs = nil, nil
	return err
}

func (r *run) rec(i int64) []byte {
	w := int64(r.hdr.width())
	return r.recs[i*w : (i+1)*w]
}

func (r *run) digest(i int64) []byte { return r.rec(i)[:r.hdr.digestLen] }

// seek returns the first record at or after from whose digest is >= q,
// galloping from from: the queries come sorted, so the next hit is near.
func (r *run) seek(from int64, q []byte) int64 {
	n := r.hdr.count
	if from >= n || bytes.Compare(r.digest(from), q) >= 0 {
		return from
	}
	// r.digest(lo) < q; grow the step until r.digest(hi) >= q or the end.
	lo, step := from, int64(1)
	hi := lo + step
	for hi < n && bytes.Compare(r.digest(hi), q) < 0 {
		lo = hi
		step *= 2
		hi = lo + step
	}
	if hi > n {
		hi = n
	}
	// Invariant: digest(lo) < q, digest(hi) >= q (or hi == n).
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if bytes.Compare(r.digest(mid), q) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// verify checks every record: sorted, of this run's set, category index
// within the set's table.
func (r *run) verify(categories int) error {
	var prev []byte
	for i := int64(0); i < r.hdr.count; i++ {
		rec := r.rec(i)
		if prev != nil && bytes.Compare(prev, rec) >= 0 {
			return fmt.Errorf("hash library run %s: record %d is out of order", r.path, i)
		}
		if err := r.check(i, categories); err != nil {
			return err
		}
		prev = rec
	}
	return nil
}

// check validates one record's set ID and category index.
func (r *run) check(i int64, categories int) error {
	rec := r.rec(i)
	tail := rec[r.hdr.digestLen:]
	if set := binary.BigEndian.Uint32(tail); set != r.hdr.set {
		return fmt.Errorf("hash library run %s: record %d belongs to set %d, the run to set %d", r.path, i, set, r.hdr.set)
	}
	if c := int(binary.BigEndian.Uint16(tail[4:])); c >= categories {
		return fmt.Errorf("hash library run %s: record %d has category index %d, the set has %d categories", r.path, i, c, categories)
	}
	return nil
}

func (r *run) category(i int64) int {
	return int(binary.BigEndian.Uint16(r.rec(i)[r.hdr.digestLen+4:]))
}
