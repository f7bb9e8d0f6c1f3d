// Package ext reads ext2/3/4 volumes. github.com/masahiro331/go-ext4-filesystem
// validates and parses the superblock and decodes extent trees and indirect
// block maps; it exposes neither inode numbers nor times and its file reader
// seeks one shared reader, so directory walking, inode reading and the
// concurrent-safe content reader are done here. Deleted inodes are not
// recovered (ext4 clears their block maps); TSK shows them without content.
// Known limit: the library's extent-tree decoder checks depth (<= 5) but not
// fan-out, so a crafted tree whose index nodes share children costs up to
// fan-out^depth block reads; it cannot be interrupted from here.
package ext

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"scrim/ingest/fsys"

	"github.com/masahiro331/go-ext4-filesystem/ext4"
)

// Probe reports an ext2/3/4 superblock magic at byte 1080.
func Probe(head []byte) bool {
	return len(head) >= 1084 && binary.LittleEndian.Uint16(head[1080:]) == 0xef53
}

// FS is one opened ext volume.
type FS struct {
	r         io.ReaderAt
	size      int64
	sb        ext4.Superblock
	lib       *ext4.FileSystem
	typ       string
	blockSize int64
	blocks    int64 // blocks in the volume, capped to the image
	groups    []group
}

// group is what is used from one block group descriptor.
type group struct {
	blockBitmap int64
	inodeTable  int64
	flags       uint16
}

// Open validates the superblock through the library and reads the group
// descriptors.
func Open(r io.ReaderAt, size int64) (f fsys.FS, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("ext: parser panic: %v", p)
		}
	}()
	lib, err := ext4.NewFS(*io.NewSectionReader(r, 0, size), nil)
	if err != nil {
		return nil, fmt.Errorf("ext: %w", err)
	}
	v := &FS{r: io.NewSectionReader(r, 0, size), size: size, sb: lib.GetSuperBlock(), lib: lib}
	if v.sb.LogBlockSize > 6 || v.sb.InodePerGroup == 0 || v.sb.BlockPerGroup == 0 || v.sb.InodeSize < 128 {
		return nil, errors.New("ext: absurd superblock geometry")
	}
	v.blockSize = v.sb.GetBlockSize()
	v.blocks = min(v.sb.GetBlockCount(), size/v.blockSize)
	v.typ = "ext2"
	switch {
	case v.sb.FeatureIncompatExtents() || v.sb.FeatureIncompatFlexBg() || v.sb.FeatureInCompat64bit():
		v.typ = "ext4"
	case v.sb.FeatureCompatHas_journal():
		v.typ = "ext3"
	}
	if err := v.readGroups(); err != nil {
		return nil, err
	}
	root, err := v.readInode(rootInode)
	if err != nil {
		return nil, fmt.Errorf("ext: root directory: %w", err)
	}
	if root.Mode&modeTypeMask != modeDirectory {
		return nil, fmt.Errorf("ext: root inode is no directory (mode %#o)", root.Mode)
	}
	return v, nil
}

// Type is "ext2", "ext3" or "ext4" by feature flags.
func (v *FS) Type() string { return v.typ }

// readGroups parses the descriptor table after the superblock's block.
func (v *FS) readGroups() error {
	n := (v.sb.GetBlockCount() - int64(v.sb.FirstDataBlock) + int64(v.sb.BlockPerGroup) - 1) / int64(v.sb.BlockPerGroup)
	descSize := int64(32)
	if v.sb.FeatureInCompat64bit() && v.sb.DescSize >= 64 {
		descSize = int64(v.sb.DescSize)
	}
	if n <= 0 || n*descSize > v.size {
		return fmt.Errorf("ext: %d block groups do not fit the volume", n)
	}
	buf := make([]byte, n*descSize)
	off := (int64(v.sb.FirstDataBlock) + 1) * v.blockSize
	if _, err := v.r.ReadAt(buf, off); err != nil {
		return fmt.Errorf("ext: group descriptors at %d: %w", off, err)
	}
	for i := range n {
		d := buf[i*descSize : (i+1)*descSize]
		g := group{
			blockBitmap: int64(binary.LittleEndian.Uint32(d[0:])),
			inodeTable:  int64(binary.LittleEndian.Uint32(d[8:])),
			flags:       binary.LittleEndian.Uint16(d[0x12:]),
		}
		if descSize >= 64 {
			g.blockBitmap |= int64(binary.LittleEndian.Uint32(d[0x20:])) << 32
			g.inodeTable |= int64(binary.LittleEndian.Uint32(d[0x28:])) << 32
		}
		v.groups = append(v.groups, g)
	}
	return nil
}

// Walk reports allocated regular files depth-first from the root.
func (v *FS) Walk(ctx context.Context, fn func(fsys.File) error) error {
	w := &walker{v: v, ctx: ctx, fn: fn, seen: map[uint32]bool{}}
	return w.dir(rootInode, "")
}
