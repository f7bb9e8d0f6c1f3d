// Package digest computes MD5, SHA-1 and SHA-256 of a stream in one read.
//
// Hash sets speak MD5 and SHA-1, the store keys media by SHA-256: every byte
// of evidence is read once and fed to all three. Large inputs are hashed by
// three goroutines sharing each chunk, because MD5 alone runs at about half
// the speed of the SHA-NI accelerated SHA-1 and SHA-256. Small files read
// in batches have their MD5s computed eight at a time (MD5Many).
package digest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
)

// ChunkSize is the unit of reading and of hand-off to the hash goroutines.
const ChunkSize = 1 << 20

// parallelThreshold is the size below which the three digests run in the
// caller's goroutine: hand-off costs more than it saves on small files.
const parallelThreshold = 4 * ChunkSize

// Sums holds the three digests of one stream.
type Sums struct {
	MD5    [md5.Size]byte
	SHA1   [sha1.Size]byte
	SHA256 [sha256.Size]byte
	Size   int64 // bytes read
}

// Hex returns the three digests as lower-case hex, cut from one string (one
// allocation a file rather than three).
func (s Sums) Hex() (md5Hex, sha1Hex, sha256Hex string) {
	var b [2 * (md5.Size + sha1.Size + sha256.Size)]byte
	hex.Encode(b[:], s.MD5[:])
	hex.Encode(b[2*md5.Size:], s.SHA1[:])
	hex.Encode(b[2*(md5.Size+sha1.Size):], s.SHA256[:])
	all := string(b[:])
	return all[:2*md5.Size], all[2*md5.Size : 2*(md5.Size+sha1.Size)], all[2*(md5.Size+sha1.Size):]
}

// Hasher hashes streams. It owns two chunk buffers and three goroutines,
// reused across calls; one Hasher serves one goroutine at a time.
type Hasher struct {
	bufs  [2][]byte
	work  [3]chan []byte
	done  chan struct{}
	hs    [3]hash.Hash
	once  sync.Once
	close sync.Once
}

// NewHasher returns a Hasher; Close releases its goroutines.
func NewHasher() *Hasher {
	h := &Hasher{
		bufs: [2][]byte{make([]byte, ChunkSize), make([]byte, ChunkSize)},
		done: make(chan struct{}, 3),
		hs:   [3]hash.Hash{md5.New(), sha1.New(), sha256.New()},
	}
	return h
}

func (h *Hasher) start() {
	for i := range h.work {
		ch := make(chan []byte)
		h.work[i] = ch
		go func(w hash.Hash) {
			for p := range ch {
				w.Write(p)
				h.done <- struct{}{}
			}
		}(h.hs[i])
	}
}

// Close stops the hash goroutines.
func (h *Hasher) Close() {
	h.close.Do(func() {
		if h.work[0] == nil {
			return
		}
		for _, ch := range h.work {
			close(ch)
		}
	})
}

// Sum reads r to EOF and returns its digests. sizeHint (the expected length,
// or -1) only chooses between serial and parallel hashing. If tee is not nil
// every byte read is also appended to it, so a caller can decode a small file
// without reading it twice.
func (h *Hasher) Sum(r io.Reader, sizeHint int64, tee *[]byte) (Sums, error) {
	for _, w := range h.hs {
		w.Reset()
	}
	var n int64
	var err error
	if sizeHint >= 0 && sizeHint < parallelThreshold {
		n, err = h.serial(r, tee, h.hs[:])
	} else {
		h.once.Do(h.start)
		n, err = h.parallel(r, tee)
	}
	var s Sums
	s.Size = n
	if err != nil {
		return s, err
	}
	h.hs[0].Sum(s.MD5[:0])
	h.hs[1].Sum(s.SHA1[:0])
	h.hs[2].Sum(s.SHA256[:0])
	return s, nil
}

// SumWithMD5 is Sum for a stream that reads whole, or its start, when
// the caller already has whole's MD5 (MD5Many hashed it with its batch):
// only SHA-1 and SHA-256 run over the bytes read. MD5 runs again only on
// a stream that stopped short of whole. It hashes in the caller's
// goroutine, as Sum does small files; r must read nothing but whole's
// bytes.
func (h *Hasher) SumWithMD5(r io.Reader, whole []byte, wholeMD5 [md5.Size]byte, tee *[]byte) (Sums, error) {
	for _, w := range h.hs[1:] {
		w.Reset()
	}
	n, err := h.serial(r, tee, h.hs[1:])
	s := Sums{Size: n}
	if err != nil {
		return s, err
	}
	switch {
	case n == int64(len(whole)):
		s.MD5 = wholeMD5
	case n < int64(len(whole)):
		s.MD5 = md5.Sum(whole[:n])
	default:
		return s, fmt.Errorf("read %d bytes from a stream of %d", n, len(whole))
	}
	h.hs[1].Sum(s.SHA1[:0])
	h.hs[2].Sum(s.SHA256[:0])
	return s, nil
}

func (h *Hasher) serial(r io.Reader, tee *[]byte, hs []hash.Hash) (int64, error) {
	var n int64
	buf := h.bufs[0]
	for {
		k, err := r.Read(buf)
		if k > 0 {
			p := buf[:k]
			for _, w := range hs {
				w.Write(p)
			}
			if tee != nil {
				*tee = append(*tee, p...)
			}
			n += int64(k)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("read at byte %d: %w", n, err)
		}
	}
}

// parallel double-buffers: while the three goroutines hash one chunk, the
// next one is being read.
func (h *Hasher) parallel(r io.Reader, tee *[]byte) (int64, error) {
	var n int64
	inFlight := false
	wait := func() {
		if inFlight {
			for range h.work {
				<-h.done
			}
			inFlight = false
		}
	}
	defer wait()
	for i := 0; ; i ^= 1 {
		buf := h.bufs[i]
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			p := buf[:k]
			if tee != nil {
				*tee = append(*tee, p...)
			}
			wait()
			for _, ch := range h.work {
				ch <- p
			}
			inFlight = true
			n += int64(k)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("read at byte %d: %w", n, err)
		}
	}
}
