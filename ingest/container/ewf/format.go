package ewf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
)

// On-disk layout of EWF version 1 (EnCase .E01, SMART .s01), after libewf's
// "Expert Witness Compression Format" specification. All integers are
// little-endian.

var (
	sigEVF  = []byte("EVF\x09\x0d\x0a\xff\x00")
	sigLVF  = []byte("LVF\x09\x0d\x0a\xff\x00")
	sigEVF2 = []byte("EVF2\x0d\x0a\x81\x00")
	sigLEF2 = []byte("LEF2\x0d\x0a\x81\x00")
)

// ErrEWF2 is returned for Ex01/Lx01 (EWF version 2) files.
var ErrEWF2 = errors.New("ewf: Ex01 (EWF2) is not supported yet")

const (
	fileHeaderSize = 13 // signature, 0x01, segment number u16, 0x0000
	descriptorSize = 76 // type[16], next u64, size u64, pad[40], adler32
	tableHeadSize  = 24 // count u32, pad u32, base u64, pad u32, adler32
	// maxChunkSize refuses declared chunk sizes no writer uses (the largest
	// libewf writes is 32768 sectors of 512 bytes); it bounds the buffers.
	maxChunkSize  = 64 << 20
	compressedBit = 1 << 31
)

func errorf(format string, args ...any) error {
	return fmt.Errorf("ewf: "+format, args...)
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// checksumOK reports whether the adler32 of b[:n] is stored at b[n:n+4].
func checksumOK(b []byte, n int) bool {
	return len(b) >= n+4 && adler32.Checksum(b[:n]) == le32(b[n:])
}

// descriptor is one section descriptor.
type descriptor struct {
	typ  string
	at   int64 // offset of the descriptor in the segment file
	next int64 // offset of the next descriptor
	size int64 // descriptor plus data
}

func parseDescriptor(b []byte, at int64) (descriptor, error) {
	if len(b) < descriptorSize {
		return descriptor{}, errorf("section descriptor at %d: short", at)
	}
	if !checksumOK(b, 72) {
		return descriptor{}, errorf("section descriptor at %d: checksum mismatch", at)
	}
	typ := string(bytes.TrimRight(b[:16], "\x00"))
	next, size := le64(b[16:]), le64(b[24:])
	if next > 1<<62 || size > 1<<62 {
		return descriptor{}, errorf("section %q at %d: offsets out of range", typ, at)
	}
	return descriptor{typ: typ, at: at, next: int64(next), size: int64(size)}, nil
}

// volumeInfo is the media geometry from a volume, disk or data section.
type volumeInfo struct {
	mediaType       byte
	chunkCount      uint32
	sectorsPerChunk uint32
	bytesPerSector  uint32
	sectorCount     uint64
	mediaFlags      byte
}

// parseVolume reads the EnCase layout (1052 bytes, 64-bit sector count)
// and the SMART/EWF layout (94 bytes, 32-bit sector count).
func parseVolume(b []byte) (volumeInfo, error) {
	var v volumeInfo
	switch {
	case len(b) >= 1052:
		if !checksumOK(b, 1048) {
			return v, errorf("volume: checksum mismatch")
		}
		v.sectorCount = le64(b[16:])
		v.mediaFlags = b[36]
	case len(b) >= 94:
		if !checksumOK(b, 90) {
			return v, errorf("volume: checksum mismatch")
		}
		v.sectorCount = uint64(le32(b[16:]))
	default:
		return v, errorf("volume: %d bytes is too short", len(b))
	}
	v.mediaType = b[0]
	v.chunkCount = le32(b[4:])
	v.sectorsPerChunk = le32(b[8:])
	v.bytesPerSector = le32(b[12:])
	if v.bytesPerSector == 0 || v.sectorsPerChunk == 0 ||
		uint64(v.bytesPerSector)*uint64(v.sectorsPerChunk) > maxChunkSize {
		return v, errorf("volume: unusable geometry %d sectors of %d bytes per chunk", v.sectorsPerChunk, v.bytesPerSector)
	}
	return v, nil
}

// parseDigests reads a hash section (MD5) or a digest section (MD5, SHA-1).
// All-zero digests mean "not computed".
func parseDigests(typ string, b []byte) (md5, sha1 []byte, err error) {
	switch typ {
	case "hash":
		if !checksumOK(b, 32) {
			return nil, nil, errorf("hash section: checksum mismatch")
		}
		return nonZero(b[:16]), nil, nil
	case "digest":
		if !checksumOK(b, 76) {
			return nil, nil, errorf("digest section: checksum mismatch")
		}
		return nonZero(b[:16]), nonZero(b[16:36]), nil
	}
	return nil, nil, nil
}

func nonZero(b []byte) []byte {
	for _, c := range b {
		if c != 0 {
			return bytes.Clone(b)
		}
	}
	return nil
}
