package court

import (
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// Bundle is an open court bundle. It reads through a read-only file handle;
// only AppendExposure writes, through a handle of its own. Its methods are
// safe for concurrent use.
type Bundle struct {
	path string
	f    io.ReaderAt
	file *os.File // nil when read from memory (tests, fuzzing)

	hdr      header
	hh       [32]byte // SHA-256 of the header
	content  cipher.AEAD
	exposure cipher.AEAD

	chunks     uint64 // data chunks before the final one
	finalLen   int64  // plaintext bytes of the final chunk
	contentEnd int64  // file offset where the exposure section starts
	dataLen    int64  // plaintext bytes before the index
	index      Index
	bySHA      map[string]int
	anchor     string // Prev of the first exposure record

	mu       sync.Mutex // guards the chunk cache and appends
	cacheIdx uint64
	cache    []byte
	cacheOK  bool
	frame    []byte // read buffer of one chunk
}

// Open opens a bundle read-only and checks the passphrase, the framing of
// the content and the index. It does not read every chunk: Verify does.
func Open(path, passphrase string) (*Bundle, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open court bundle: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open court bundle: %w", err)
	}
	b, err := open(f, fi.Size(), passphrase, openLimits())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open court bundle %s: %w", path, err)
	}
	b.path, b.file = path, f
	return b, nil
}

func open(r io.ReaderAt, size int64, pass string, lim limits) (*Bundle, error) {
	hb := make([]byte, headerSize)
	n, err := r.ReadAt(hb, 0)
	if n < headerSize && err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read header: %w", err)
	}
	hdr, err := parseHeader(hb[:n], lim)
	if err != nil {
		return nil, err
	}
	k, err := deriveKeys(pass, hdr)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(k.check[:], hdr.keyCheck[:]) != 1 {
		return nil, ErrWrongPass
	}
	b := &Bundle{f: r, hdr: hdr, hh: sha256.Sum256(hb)}
	if b.content, err = chacha20poly1305.NewX(k.content[:]); err != nil {
		return nil, err
	}
	if b.exposure, err = chacha20poly1305.NewX(k.exposure[:]); err != nil {
		return nil, err
	}
	if err := b.scan(size); err != nil {
		return nil, err
	}
	if err := b.readIndex(); err != nil {
		return nil, err
	}
	return b, nil
}

// frameSize is the on-disk size of a full data chunk.
func (b *Bundle) frameSize() int64 { return frameHeaderSize + int64(b.hdr.chunkSize) + tagSize }

// scan walks the frame headers to the final chunk. Data frames all have the
// same size, so only their 5-byte headers are read.
func (b *Bundle) scan(size int64) error {
	off := int64(headerSize)
	fh := make([]byte, frameHeaderSize)
	for i := uint64(0); ; i++ {
		if off+frameHeaderSize > size {
			return fmt.Errorf("%w: content ends after %d chunks without its final chunk", ErrTruncated, i)
		}
		if _, err := b.f.ReadAt(fh, off); err != nil {
			return fmt.Errorf("read chunk %d: %w", i, err)
		}
		n := int64(binary.BigEndian.Uint32(fh[1:]))
		switch fh[0] {
		case frameData:
			if n != int64(b.hdr.chunkSize)+tagSize {
				return fmt.Errorf("%w: chunk %d has length %d", ErrCorrupt, i, n)
			}
		case frameFinal:
			if n <= tagSize || n > int64(b.hdr.chunkSize)+tagSize {
				return fmt.Errorf("%w: final chunk has length %d", ErrCorrupt, n)
			}
		default:
			return fmt.Errorf("%w: chunk %d has frame type %q", ErrCorrupt, i, fh[0])
		}
		if off+frameHeaderSize+n > size {
			return fmt.Errorf("%w: chunk %d is cut short", ErrTruncated, i)
		}
		off += frameHeaderSize + n
		if fh[0] == frameFinal {
			b.chunks, b.finalLen, b.contentEnd = i, n-tagSize, off
			return nil
		}
	}
}

// chunk decrypts content chunk i (the final one when i == b.chunks). The
// caller holds b.mu.
func (b *Bundle) chunk(i uint64) ([]byte, error) {
	if b.cacheOK && b.cacheIdx == i {
		return b.cache, nil
	}
	typ, n := byte(frameData), int64(b.hdr.chunkSize)
	if i == b.chunks {
		typ, n = frameFinal, b.finalLen
	}
	if need := int(frameHeaderSize + n + tagSize); cap(b.frame) < need {
		b.frame = make([]byte, need)
	}
	frame := b.frame[:frameHeaderSize+n+tagSize]
	if _, err := b.f.ReadAt(frame, int64(headerSize)+int64(i)*b.frameSize()); err != nil {
		return nil, fmt.Errorf("read chunk %d: %w", i, err)
	}
	if frame[0] != typ || int64(binary.BigEndian.Uint32(frame[1:])) != n+tagSize {
		return nil, fmt.Errorf("%w: chunk %d framing", ErrCorrupt, i)
	}
	pt, err := b.content.Open(b.cache[:0], chunkNonce(b.hdr.prefix, i), frame[frameHeaderSize:], frameAAD(b.hh, typ, i))
	if err != nil {
		b.cacheOK = false
		return nil, fmt.Errorf("%w: chunk %d does not authenticate", ErrCorrupt, i)
	}
	b.cache, b.cacheIdx, b.cacheOK = pt, i, true
	return pt, nil
}

// payloadLen is the decrypted content length.
func (b *Bundle) payloadLen() int64 {
	return int64(b.chunks)*int64(b.hdr.chunkSize) + b.finalLen
}

// readPayload fills p from the decrypted content at off.
func (b *Bundle) readPayload(p []byte, off int64) error {
	if off < 0 || off > b.payloadLen() || int64(len(p)) > b.payloadLen()-off {
		return fmt.Errorf("%w: read outside the content", ErrCorrupt)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	cs := int64(b.hdr.chunkSize)
	for len(p) > 0 {
		i := uint64(off / cs)
		pt, err := b.chunk(i)
		if err != nil {
			return err
		}
		k := copy(p, pt[off%cs:])
		p, off = p[k:], off+int64(k)
	}
	return nil
}

func (b *Bundle) readIndex() error {
	total := b.payloadLen()
	if total < 8 {
		return fmt.Errorf("%w: content too short for its index", ErrCorrupt)
	}
	var lb [8]byte
	if err := b.readPayload(lb[:], total-8); err != nil {
		return err
	}
	n := binary.BigEndian.Uint64(lb[:])
	if n > maxIndexSize || int64(n) > total-8 {
		return fmt.Errorf("%w: index length %d", ErrCorrupt, n)
	}
	js := make([]byte, n)
	if err := b.readPayload(js, total-8-int64(n)); err != nil {
		return err
	}
	if err := json.Unmarshal(js, &b.index); err != nil {
		return fmt.Errorf("%w: index: %v", ErrCorrupt, err)
	}
	b.dataLen = total - 8 - int64(n)
	if err := b.index.validate(b.dataLen); err != nil {
		return err
	}
	b.bySHA = make(map[string]int, len(b.index.Media))
	for i, m := range b.index.Media {
		b.bySHA[m.SHA256] = i
	}
	ixSum := sha256.Sum256(js)
	a := sha256.New()
	a.Write([]byte("scrim court exposure anchor\x00"))
	a.Write(b.hh[:])
	a.Write(ixSum[:])
	b.anchor = hex.EncodeToString(a.Sum(nil))
	return nil
}

// Close releases the file.
func (b *Bundle) Close() error {
	if b.file == nil {
		return nil
	}
	if err := b.file.Close(); err != nil {
		return fmt.Errorf("close court bundle: %w", err)
	}
	return nil
}

// Path is the file the bundle was opened from.
func (b *Bundle) Path() string { return b.path }

// Index returns a copy of the bundle's index.
func (b *Bundle) Index() Index {
	ix := b.index
	ix.Media = b.Media()
	ix.Attached = append([]AttachEntry(nil), b.index.Attached...)
	ix.Categories = append([]string(nil), b.index.Categories...)
	ix.Notes = append([]string(nil), b.index.Notes...)
	return ix
}

// Media lists the media, the most severe category first.
func (b *Bundle) Media() []MediaEntry {
	out := make([]MediaEntry, len(b.index.Media))
	for i, m := range b.index.Media {
		m.Places = append([]Place(nil), m.Places...)
		out[i] = m
	}
	return out
}

// MediaEntry returns one media's entry.
func (b *Bundle) MediaEntry(sha string) (MediaEntry, bool) {
	i, ok := b.bySHA[sha]
	if !ok {
		return MediaEntry{}, false
	}
	return b.Media()[i], true
}

// readBlob reads a range and checks it against a SHA-256.
func (b *Bundle) readBlob(bl Blob, wantSHA, what string) ([]byte, error) {
	data := make([]byte, bl.Length)
	if err := b.readPayload(data, bl.Offset); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != wantSHA {
		return nil, fmt.Errorf("%w: %s does not match its SHA-256", ErrCorrupt, what)
	}
	return data, nil
}

// Thumbnail returns a media's stored thumbnail JPEG, nil when it has none.
func (b *Bundle) Thumbnail(sha string) ([]byte, error) {
	m, ok := b.MediaEntry(sha)
	if !ok {
		return nil, fmt.Errorf("thumbnail %s: %w", sha, ErrNoMedia)
	}
	if m.Thumbnail.Length == 0 {
		return nil, nil
	}
	return b.readBlob(m.Thumbnail, m.ThumbnailSHA256, "thumbnail of "+sha)
}

// Original returns a media's original bytes, checked against its SHA-256.
// ErrNoOriginal means only the thumbnail could be exported.
func (b *Bundle) Original(sha string) ([]byte, error) {
	m, ok := b.MediaEntry(sha)
	if !ok {
		return nil, fmt.Errorf("original %s: %w", sha, ErrNoMedia)
	}
	if m.OriginalSource != SourceEvidence {
		return nil, fmt.Errorf("original %s: %w (%s)", sha, ErrNoOriginal, m.OriginalNote)
	}
	return b.readBlob(m.Original, m.SHA256, "original "+sha)
}

// OriginalReader streams a large original; the last Read reports
// ErrCorrupt instead of io.EOF when the bytes do not match the SHA-256.
func (b *Bundle) OriginalReader(sha string) (io.Reader, error) {
	m, ok := b.MediaEntry(sha)
	if !ok {
		return nil, fmt.Errorf("original %s: %w", sha, ErrNoMedia)
	}
	if m.OriginalSource != SourceEvidence {
		return nil, fmt.Errorf("original %s: %w (%s)", sha, ErrNoOriginal, m.OriginalNote)
	}
	return &verifyingReader{b: b, off: m.Original.Offset, left: m.Original.Length, want: m.SHA256, h: sha256.New()}, nil
}

type verifyingReader struct {
	b         *Bundle
	off, left int64
	want      string
	h         hash.Hash
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.left == 0 {
		if hex.EncodeToString(v.h.Sum(nil)) != v.want {
			return 0, fmt.Errorf("%w: original %s does not match its SHA-256", ErrCorrupt, v.want)
		}
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), v.left, 1<<20)]
	if err := v.b.readPayload(p, v.off); err != nil {
		return 0, err
	}
	v.h.Write(p)
	v.off += int64(len(p))
	v.left -= int64(len(p))
	return len(p), nil
}

// Attachment returns an attached file by name, checked against its SHA-256.
func (b *Bundle) Attachment(name string) ([]byte, error) {
	for _, a := range b.index.Attached {
		if a.Name == name {
			return b.readBlob(a.Blob, a.SHA256, "attachment "+name)
		}
	}
	return nil, fmt.Errorf("attachment %q: not in the bundle", name)
}

// Check is what Verify found.
type Check struct {
	ContentSHA256 string // SHA-256 of header + content: the sidecar value
	ContentBytes  int64
	Chunks        int
	Media         int
	Originals     int // originals re-hashed
	Thumbnails    int
	Attachments   int
}

// Verify decrypts every chunk and re-hashes every original, thumbnail and
// attachment. It reads only the content section: appended exposure records
// do not change its result.
func (b *Bundle) Verify() error {
	_, err := b.Check()
	return err
}

// Check is Verify with its numbers.
func (b *Bundle) Check() (Check, error) {
	var c Check
	// One pass over the content section: every frame is hashed as read and
	// decrypted, so the digest covers exactly what was authenticated.
	h := sha256.New()
	hb := make([]byte, headerSize)
	if _, err := b.f.ReadAt(hb, 0); err != nil {
		return c, fmt.Errorf("verify: read header: %w", err)
	}
	h.Write(hb)
	b.mu.Lock()
	for i := uint64(0); i <= b.chunks; i++ {
		b.cacheOK = false
		pt, err := b.chunk(i)
		if err != nil {
			b.mu.Unlock()
			return c, fmt.Errorf("verify: %w", err)
		}
		h.Write(b.frame[:frameHeaderSize+len(pt)+tagSize])
		c.Chunks++
	}
	b.mu.Unlock()
	c.ContentSHA256, c.ContentBytes = hex.EncodeToString(h.Sum(nil)), b.contentEnd
	for _, m := range b.index.Media {
		c.Media++
		if m.OriginalSource == SourceEvidence {
			r, _ := b.OriginalReader(m.SHA256)
			if _, err := io.Copy(io.Discard, r); err != nil {
				return c, fmt.Errorf("verify: %w", err)
			}
			c.Originals++
		}
		if m.Thumbnail.Length > 0 {
			if _, err := b.Thumbnail(m.SHA256); err != nil {
				return c, fmt.Errorf("verify: %w", err)
			}
			c.Thumbnails++
		}
	}
	for _, a := range b.index.Attached {
		if _, err := b.Attachment(a.Name); err != nil {
			return c, fmt.Errorf("verify: %w", err)
		}
		c.Attachments++
	}
	return c, nil
}
