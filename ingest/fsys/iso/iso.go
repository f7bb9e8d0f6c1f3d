// Package iso reads ISO 9660 volumes with Joliet and Rock Ridge names. It
// is its own small reader: github.com/kdomanski/iso9660 v0.4.0 reads only
// the primary descriptor (no Joliet names, which TSK shows), computes
// directory offsets in uint32 (wrong past 4 GiB) and exposes no record
// positions or multi-extent files.
package iso

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"scrim/ingest/fsys"
)

const (
	sectorSize  = 2048
	firstVD     = 16
	maxVDs      = 64 // descriptors scanned before giving up on a terminator
	recordFixed = 33 // directory record bytes before the identifier
)

// Probe reports the "CD001" standard identifier of the first descriptor.
func Probe(head []byte) bool {
	off := firstVD*sectorSize + 1
	return len(head) >= off+5 && bytes.Equal(head[off:off+5], []byte("CD001"))
}

// FS is one opened ISO 9660 volume.
type FS struct {
	r      io.ReaderAt
	size   int64
	block  int64  // logical block size
	root   []byte // root directory record of the tree used
	joliet bool
}

// Open reads the volume descriptors and picks the Joliet tree when there
// is one (TSK shows Joliet names), else the primary tree.
func Open(r io.ReaderAt, size int64) (fsys.FS, error) {
	v := &FS{r: r, size: size}
	buf := make([]byte, sectorSize)
	var primary []byte
	for i := int64(firstVD); i < firstVD+maxVDs; i++ {
		if _, err := r.ReadAt(buf, i*sectorSize); err != nil {
			return nil, fmt.Errorf("iso9660: volume descriptor %d: %w", i, err)
		}
		if !bytes.Equal(buf[1:6], []byte("CD001")) {
			return nil, fmt.Errorf("iso9660: sector %d: no volume descriptor", i)
		}
		switch buf[0] {
		case 1:
			if primary == nil {
				primary = bytes.Clone(buf)
			}
		case 2:
			esc := buf[88:91]
			if buf[88] == '%' && buf[89] == '/' && (esc[2] == '@' || esc[2] == 'C' || esc[2] == 'E') && v.root == nil {
				v.root = bytes.Clone(buf[156 : 156+34])
				v.joliet = true
				v.block = int64(binary.LittleEndian.Uint16(buf[128:]))
			}
		}
		if buf[0] == 255 {
			break
		}
	}
	if primary == nil {
		return nil, errors.New("iso9660: no primary volume descriptor")
	}
	if v.root == nil {
		v.root = primary[156 : 156+34]
		v.block = int64(binary.LittleEndian.Uint16(primary[128:]))
	}
	if v.block != 512 && v.block != 1024 && v.block != 2048 {
		return nil, fmt.Errorf("iso9660: logical block size %d", v.block)
	}
	return v, nil
}

// Type is "iso9660".
func (v *FS) Type() string { return "iso9660" }

// Unallocated reports nothing: an ISO 9660 volume is written once, whole.
func (v *FS) Unallocated(context.Context, func(offset, length int64) error) error { return nil }

// Walk reports every file depth-first in directory order.
func (v *FS) Walk(ctx context.Context, fn func(fsys.File) error) error {
	w := &walker{v: v, ctx: ctx, fn: fn, seen: map[int64]bool{}}
	loc, length := extent(v.root)
	return w.dir(loc, length, "", 0)
}

// extent returns a directory record's extent location (blocks) and length.
func extent(rec []byte) (int64, int64) {
	return int64(binary.LittleEndian.Uint32(rec[2:])), int64(binary.LittleEndian.Uint32(rec[10:]))
}
