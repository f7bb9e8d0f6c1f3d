// Package decmpfs decodes Apple's transparent file compression, shared by
// the HFS+ and APFS readers: the "com.apple.decmpfs" extended attribute of
// a file whose UF_COMPRESSED flag is set holds a 16-byte little-endian
// header — "fpmc", the compression type, the uncompressed size — then, for
// the inline types, the data; for the resource-fork types the data is in
// the resource fork as a table of 64 KiB blocks. zlib (types 3 and 4) is
// decoded; LZVN and LZFSE (7, 8, 11, 12) have no decoder in Scrim and are
// named as unreadable.
package decmpfs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

const (
	zlibInline = 3
	zlibRsrc   = 4
	blockSize  = 64 << 10
	// maxInline bounds an inline file expanded in memory.
	maxInline = 16 << 20
)

// Fork opens a file's resource fork: its bytes and size.
type Fork func() (io.ReaderAt, int64, error)

// Open returns a compressed file's size and content from its decmpfs
// attribute and, for the resource-fork types, its resource fork.
func Open(attr []byte, rsrc Fork) (int64, io.ReaderAt, error) {
	if len(attr) < 16 || string(attr[:4]) != "fpmc" {
		return 0, nil, errors.New("compressed file: decmpfs header has no fpmc magic")
	}
	le := binary.LittleEndian
	kind, size := le.Uint32(attr[4:]), int64(le.Uint64(attr[8:]))
	if size < 0 {
		return 0, nil, fmt.Errorf("compressed file: declared size %d", size)
	}
	switch kind {
	case zlibInline:
		b, err := inflateBlock(attr[16:], size, maxInline)
		if err != nil {
			return size, nil, fmt.Errorf("decmpfs inline zlib: %w", err)
		}
		return size, bytes.NewReader(b), nil
	case zlibRsrc:
		fr, n, err := rsrc()
		if err != nil {
			return size, nil, fmt.Errorf("decmpfs resource fork: %w", err)
		}
		c, err := newBlockReader(fr, n, size)
		if err != nil {
			return size, nil, fmt.Errorf("decmpfs resource fork: %w", err)
		}
		return size, c, nil
	case 7, 8:
		return size, nil, fmt.Errorf("decmpfs type %d (LZVN): Scrim has no LZVN decoder, not readable", kind)
	case 11, 12:
		return size, nil, fmt.Errorf("decmpfs type %d (LZFSE): Scrim has no LZFSE decoder, not readable", kind)
	}
	return size, nil, fmt.Errorf("decmpfs type %d: not supported, not readable", kind)
}

// inflateBlock expands one decmpfs zlib unit to want bytes: a unit whose
// first byte has its low nibble all ones is stored, not compressed.
func inflateBlock(b []byte, want, limit int64) ([]byte, error) {
	if want > limit {
		return nil, fmt.Errorf("expands to %d bytes, more than %d", want, limit)
	}
	if len(b) > 0 && b[0]&0x0f == 0x0f {
		if int64(len(b)-1) < want {
			return nil, fmt.Errorf("stored unit of %d bytes for %d", len(b)-1, want)
		}
		return b[1 : 1+want], nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out := make([]byte, want)
	if n, err := io.ReadFull(zr, out); err != nil {
		return nil, fmt.Errorf("expands to %d of %d bytes: %v", n, want, err)
	}
	return out, nil
}

// blockReader reads a resource-fork compressed file: the fork's resource
// data begins with a big-endian length, then a little-endian count of
// 64 KiB blocks and (offset, size) pairs from just after the length.
type blockReader struct {
	fork   io.ReaderAt
	size   int64
	base   int64
	blocks [][2]uint32

	mu   sync.Mutex
	last int
	data []byte
}

func newBlockReader(fork io.ReaderAt, forkSize, size int64) (*blockReader, error) {
	var head [16]byte
	if _, err := fork.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("resource fork header: %w", err)
	}
	base := int64(binary.BigEndian.Uint32(head[:])) + 4
	var cnt [4]byte
	if _, err := fork.ReadAt(cnt[:], base); err != nil {
		return nil, fmt.Errorf("block table at %d: %w", base, err)
	}
	n := int64(binary.LittleEndian.Uint32(cnt[:]))
	if n != (size+blockSize-1)/blockSize {
		return nil, fmt.Errorf("%d blocks for %d bytes", n, size)
	}
	if 8*n > forkSize {
		return nil, fmt.Errorf("block table of %d entries does not fit the %d-byte fork", n, forkSize)
	}
	table := make([]byte, 8*n)
	if _, err := fork.ReadAt(table, base+4); err != nil {
		return nil, fmt.Errorf("block table at %d: %w", base+4, err)
	}
	c := &blockReader{fork: fork, size: size, base: base, last: -1}
	for i := range n {
		off, sz := binary.LittleEndian.Uint32(table[8*i:]), binary.LittleEndian.Uint32(table[8*i+4:])
		if int64(off)+int64(sz) > forkSize-base || sz > 2*blockSize {
			return nil, fmt.Errorf("block %d of %d bytes at %d lies outside the %d-byte fork", i, sz, off, forkSize)
		}
		c.blocks = append(c.blocks, [2]uint32{off, sz})
	}
	return c, nil
}

func (c *blockReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read at negative offset %d", off)
	}
	done := 0
	for done < len(p) && off+int64(done) < c.size {
		pos := off + int64(done)
		b, err := c.block(int(pos / blockSize))
		if err != nil {
			return done, err
		}
		done += copy(p[done:], b[pos%blockSize:])
	}
	if done < len(p) {
		return done, io.EOF
	}
	return done, nil
}

func (c *blockReader) block(i int) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == i {
		return c.data, nil
	}
	off, sz := c.blocks[i][0], c.blocks[i][1]
	raw := make([]byte, sz)
	if _, err := c.fork.ReadAt(raw, c.base+int64(off)); err != nil {
		return nil, fmt.Errorf("compressed block %d: %w", i, err)
	}
	want := min(int64(blockSize), c.size-int64(i)*blockSize)
	b, err := inflateBlock(raw, want, blockSize)
	if err != nil {
		return nil, fmt.Errorf("compressed block %d: %w", i, err)
	}
	c.last, c.data = i, b
	return b, nil
}
