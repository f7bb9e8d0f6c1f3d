// Package court writes and reads the court package: one encrypted,
// self-verifying file (".scrimcourt") holding the report, the categorized
// media of chosen categories with their digests and thumbnails, and, appended
// after them, the bundle's own hash-chained record of every reveal.
//
// Layout (all integers big-endian):
//
//	header   91 bytes, plain: "SCRIMCOURT", version, cipher and KDF ids,
//	         argon2id time/memory/threads, salt, nonce prefix, chunk size,
//	         key-check value
//	content  frames 'D' (exactly chunk-size plaintext) ... then one 'F'
//	         (the final chunk, 1..chunk-size plaintext)
//	exposure frames 'X', appended while viewing, never rewritten
//
// A frame is type(1) length(4) ciphertext(length). Content chunk i is sealed
// with XChaCha20-Poly1305 under a key derived from the passphrase, nonce =
// prefix || i, AAD = SHA-256(header) || type || i: a chunk moved, dropped,
// edited or made final is refused. The decrypted content is one stream:
// attachments, originals and thumbnails, then the index (JSON) and its
// length in 8 bytes. Exposure records use their own key and a random nonce
// stored before the ciphertext; each carries the SHA-256 of the frame before
// it, the first one an anchor derived from the header and the index.
package court

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Magic opens every bundle; Ext is the file name extension it goes by.
const (
	Magic   = "SCRIMCOURT"
	Ext     = ".scrimcourt"
	Version = 1

	headerSize      = 91
	frameHeaderSize = 5
	tagSize         = chacha20poly1305.Overhead
	cipherXChaCha   = 1
	kdfArgon2id     = 1

	frameData     = 'D'
	frameFinal    = 'F'
	frameExposure = 'X'

	// DefaultChunkSize is the plaintext size of every content chunk but the last.
	DefaultChunkSize = 1 << 20
	minChunkSize     = 4 << 10
	maxChunkSize     = 16 << 20
	maxIndexSize     = 256 << 20
	maxExposureSize  = 64 << 10
	// MinPassphrase is the shortest passphrase Write accepts, in characters.
	MinPassphrase = 12
)

// Errors callers tell apart.
var (
	ErrNotBundle     = errors.New("not a scrim court bundle")
	ErrWrongPass     = errors.New("wrong passphrase (or the bundle header was altered)")
	ErrCorrupt       = errors.New("bundle is damaged or was altered")
	ErrTruncated     = errors.New("bundle is truncated")
	ErrNoMedia       = errors.New("no such media in the bundle")
	ErrNoOriginal    = errors.New("the original could not be read back at export; only its thumbnail is in the bundle")
	ErrExposureChain = errors.New("exposure record is damaged or was altered")
)

// KDFParams are the argon2id parameters of a bundle.
type KDFParams struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// DefaultKDF is RFC 9106's second recommended setting, at two lanes for the
// two-core workstations the desktop runs on.
func DefaultKDF() KDFParams { return KDFParams{Time: 3, MemoryKiB: 64 << 10, Threads: 2} }

// limits bound what a header may ask for, so a crafted file cannot make the
// reader allocate gigabytes.
type limits struct {
	maxTime      uint32
	maxMemoryKiB uint32
	maxThreads   uint8
}

// openLimits: at most 1 GiB of argon2id memory.
func openLimits() limits { return limits{maxTime: 16, maxMemoryKiB: 1 << 20, maxThreads: 16} }

func (p KDFParams) check(lim limits) error {
	if p.Time < 1 || p.Time > lim.maxTime || p.Threads < 1 || p.Threads > lim.maxThreads ||
		p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > lim.maxMemoryKiB {
		return fmt.Errorf("%w: argon2id parameters out of range (time %d, memory %d KiB, threads %d)", ErrCorrupt, p.Time, p.MemoryKiB, p.Threads)
	}
	return nil
}

// header is the plain part of a bundle.
type header struct {
	kdf       KDFParams
	salt      [16]byte
	prefix    [16]byte // nonce prefix of content chunks
	chunkSize uint32
	keyCheck  [32]byte
}

func (h header) marshal() []byte {
	b := make([]byte, 0, headerSize)
	b = append(b, Magic...)
	b = binary.BigEndian.AppendUint16(b, Version)
	b = append(b, cipherXChaCha, kdfArgon2id)
	b = binary.BigEndian.AppendUint32(b, h.kdf.Time)
	b = binary.BigEndian.AppendUint32(b, h.kdf.MemoryKiB)
	b = append(b, h.kdf.Threads)
	b = append(b, h.salt[:]...)
	b = append(b, h.prefix[:]...)
	b = binary.BigEndian.AppendUint32(b, h.chunkSize)
	return append(b, h.keyCheck[:]...)
}

func parseHeader(b []byte, lim limits) (header, error) {
	var h header
	if len(b) < headerSize {
		if len(b) >= len(Magic) && string(b[:len(Magic)]) == Magic {
			return h, fmt.Errorf("%w: header is %d bytes", ErrTruncated, len(b))
		}
		return h, ErrNotBundle
	}
	if string(b[:len(Magic)]) != Magic {
		return h, ErrNotBundle
	}
	if v := binary.BigEndian.Uint16(b[10:]); v != Version {
		return h, fmt.Errorf("%w: format version %d, this scrim reads version %d", ErrNotBundle, v, Version)
	}
	if b[12] != cipherXChaCha || b[13] != kdfArgon2id {
		return h, fmt.Errorf("%w: unknown cipher %d or KDF %d", ErrCorrupt, b[12], b[13])
	}
	h.kdf = KDFParams{Time: binary.BigEndian.Uint32(b[14:]), MemoryKiB: binary.BigEndian.Uint32(b[18:]), Threads: b[22]}
	if err := h.kdf.check(lim); err != nil {
		return h, err
	}
	copy(h.salt[:], b[23:39])
	copy(h.prefix[:], b[39:55])
	h.chunkSize = binary.BigEndian.Uint32(b[55:])
	if h.chunkSize < minChunkSize || h.chunkSize > maxChunkSize {
		return h, fmt.Errorf("%w: chunk size %d out of range", ErrCorrupt, h.chunkSize)
	}
	copy(h.keyCheck[:], b[59:91])
	return h, nil
}

// keys are what the passphrase unlocks.
type keys struct {
	content, exposure [chacha20poly1305.KeySize]byte
	check             [32]byte
}

// deriveKeys runs argon2id once, then HKDF-SHA256 splits the result. The key
// check covers the header fields before it, so altered parameters fail it.
func deriveKeys(pass string, h header) (keys, error) {
	var k keys
	master := argon2.IDKey([]byte(pass), h.salt[:], h.kdf.Time, h.kdf.MemoryKiB, h.kdf.Threads, 32)
	params := h.marshal()[:headerSize-32]
	for _, d := range []struct {
		info string
		dst  []byte
	}{{"scrim court v1 content", k.content[:]}, {"scrim court v1 exposure", k.exposure[:]}, {"scrim court v1 key check", k.check[:]}} {
		out, err := hkdf.Key(sha256.New, master, params, d.info, len(d.dst))
		if err != nil {
			return k, fmt.Errorf("derive key: %w", err)
		}
		copy(d.dst, out)
	}
	return k, nil
}

// chunkNonce and chunkAAD bind a content chunk to its place and kind.
func chunkNonce(prefix [16]byte, i uint64) []byte {
	n := make([]byte, 0, chacha20poly1305.NonceSizeX)
	n = append(n, prefix[:]...)
	return binary.BigEndian.AppendUint64(n, i)
}

func frameAAD(hh [32]byte, typ byte, i uint64) []byte {
	a := make([]byte, 0, 41)
	a = append(a, hh[:]...)
	a = append(a, typ)
	return binary.BigEndian.AppendUint64(a, i)
}

func frameHeader(typ byte, n int) []byte {
	return binary.BigEndian.AppendUint32([]byte{typ}, uint32(n))
}
