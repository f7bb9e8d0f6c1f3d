package hfsplus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"scrim/ingest/fsys/decmpfs"
)

// Compressed files keep a "com.apple.decmpfs" attribute: ingest/fsys/decmpfs
// decodes it.

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
	return decmpfs.Open(attr, func() (io.ReaderAt, int64, error) {
		fr, err := v.fork(id, resourceFork, rsrc)
		if err != nil {
			return nil, 0, err
		}
		return fr, fr.size, nil
	})
}
