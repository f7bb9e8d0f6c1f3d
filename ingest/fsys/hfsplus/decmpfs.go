package hfsplus

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf16"
)

// decmpfs (the "com.apple.decmpfs" attribute of a file whose UF_COMPRESSED
// flag is set): a 16-byte little-endian header — "fpmc", the compression
// type, the uncompressed size — then, for the inline types, the data; for
// the resource-fork types the data is in the resource fork as a table of
// 64 KiB blocks. zlib (types 3 and 4) is decoded here; LZVN and LZFSE
// (7, 8, 11, 12) have no decoder in Scrim and are named as unreadable.

const (
	decmpfsZlibInline = 3
	decmpfsZlibRsrc   = 4
	decmpfsBlock      = 64 << 10
	// decmpfsMaxSize bounds an inline file expanded in memory.
	decmpfsMaxInline = 16 << 20
)

var decmpfsName = utf16.Encode([]rune("com.apple.decmpfs"))

// attribute returns the inline data of attribute name of file id.
func (v *FS) attribute(id uint32, name []uint16) ([]byte, error) {
	if v.attributesTree == nil {
		if v.attributesErr != nil {
			return nil, fmt.Errorf("attributes B-tree unreadable: %w", v.attributesErr)
		}
		return nil, errors.New("the volume has no attributes B-tree")
	}
	be := binary.BigEndian
	data, found, err := v.attributesTree.find(func(key []byte) int {
		if len(key) < 12 {
			return -1
		}
		if kid := be.Uint32(key[2:]); kid != id {
			return cmp(kid, id)
		}
		n := int(be.Uint16(key[10:]))
		for i := 0; i < n && i < len(name); i++ {
			if 12+2*i+2 > len(key) {
				return -1
			}
			if c := be.Uint16(key[12+2*i:]); c != name[i] {
				return cmp(c, name[i])
			}
		}
		if n != len(name) {
			return cmp(n, len(name))
		}
		return cmp(be.Uint32(key[6:]), 0)
	})
	switch {
	case err != nil:
		return nil, err
	case !found:
		return nil, fmt.Errorf("no %s attribute", string(utf16.Decode(name)))
	case len(data) < 16 || be.Uint32(data) != 0x10:
		return nil, fmt.Errorf("%s attribute is not stored inline", string(utf16.Decode(name)))
	}
	size := int(be.Uint32(data[12:]))
	if size > len(data)-16 {
		return nil, fmt.Errorf("%s attribute of %d bytes overruns its record", string(utf16.Decode(name)), size)
	}
	return data[16 : 16+size], nil
}

func cmp[T uint16 | uint32 | int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decompressed returns a compressed file's size and content.
func (v *FS) decompressed(id uint32, rsrc forkData) (int64, io.ReaderAt, error) {
	attr, err := v.attribute(id, decmpfsName)
	if err != nil {
		return 0, nil, fmt.Errorf("compressed file: %w", err)
	}
	if len(attr) < 16 || string(attr[:4]) != "fpmc" {
		return 0, nil, errors.New("compressed file: decmpfs header has no fpmc magic")
	}
	le := binary.LittleEndian
	kind, size := le.Uint32(attr[4:]), int64(le.Uint64(attr[8:]))
	if size < 0 {
		return 0, nil, fmt.Errorf("compressed file: declared size %d", size)
	}
	switch kind {
	case decmpfsZlibInline:
		b, err := inflateBlock(attr[16:], size, decmpfsMaxInline)
		if err != nil {
			return size, nil, fmt.Errorf("decmpfs inline zlib: %w", err)
		}
		return size, bytes.NewReader(b), nil
	case decmpfsZlibRsrc:
		fr, err := v.fork(id, resourceFork, rsrc)
		if err != nil {
			return size, nil, fmt.Errorf("decmpfs resource fork: %w", err)
		}
		c, err := newBlockReader(fr, size)
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

func newBlockReader(fork *forkReader, size int64) (*blockReader, error) {
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
	if n != (size+decmpfsBlock-1)/decmpfsBlock {
		return nil, fmt.Errorf("%d blocks for %d bytes", n, size)
	}
	table := make([]byte, 8*n)
	if _, err := fork.ReadAt(table, base+4); err != nil {
		return nil, fmt.Errorf("block table at %d: %w", base+4, err)
	}
	c := &blockReader{fork: fork, size: size, base: base, last: -1}
	for i := range n {
		off, sz := binary.LittleEndian.Uint32(table[8*i:]), binary.LittleEndian.Uint32(table[8*i+4:])
		if int64(off)+int64(sz) > fork.size-base || sz > 2*decmpfsBlock {
			return nil, fmt.Errorf("block %d of %d bytes at %d lies outside the %d-byte fork", i, sz, off, fork.size)
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
		b, err := c.block(int(pos / decmpfsBlock))
		if err != nil {
			return done, err
		}
		done += copy(p[done:], b[pos%decmpfsBlock:])
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
	want := min(int64(decmpfsBlock), c.size-int64(i)*decmpfsBlock)
	b, err := inflateBlock(raw, want, decmpfsBlock)
	if err != nil {
		return nil, fmt.Errorf("compressed block %d: %w", i, err)
	}
	c.last, c.data = i, b
	return b, nil
}
