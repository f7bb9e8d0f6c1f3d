package container

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
)

// VHD (Microsoft Virtual Hard Disk Image Format Specification, v1.0):
// every VHD ends with a 512-byte big-endian footer ("conectix"). A fixed disk
// is the raw media followed by the footer. A dynamic disk starts with a
// footer copy, then a 1024-byte "cxsparse" header pointing at the Block
// Allocation Table; each BAT entry is the sector of a block, which begins
// with a sector bitmap followed by the block's data.

const (
	vhdFooterSize    = 512
	vhdDynHeaderSize = 1024
	vhdSector        = 512
	vhdUnused        = 0xFFFFFFFF
	vhdTypeFixed     = 2
	vhdTypeDynamic   = 3
	vhdTypeDiff      = 4
	// vhdMaxSize: the format tops out at 2040 GiB; anything above 2 TiB is
	// a damaged or hostile footer.
	vhdMaxSize = 2 << 40
	// vhdMaxBlocks bounds the in-memory BAT (64 MiB).
	vhdMaxBlocks = 1 << 24
)

type vhdFooter struct {
	dataOffset  uint64
	creator     string
	currentSize uint64
	diskType    uint32
}

type vhdDynHeader struct {
	tableOffset uint64
	maxEntries  uint32
	blockSize   uint32
	parentName  string
}

// vhdChecksum is the one's complement of the byte sum of b, skipping the
// four checksum bytes at at.
func vhdChecksum(b []byte, at int) uint32 {
	var sum uint32
	for i, c := range b {
		if i < at || i >= at+4 {
			sum += uint32(c)
		}
	}
	return ^sum
}

// parseVHDFooter decodes and verifies a 512-byte footer.
func parseVHDFooter(b []byte) (vhdFooter, error) {
	if len(b) < vhdFooterSize || string(b[:8]) != "conectix" {
		return vhdFooter{}, corruptf("no conectix footer")
	}
	b = b[:vhdFooterSize]
	be := binary.BigEndian
	if stored, sum := be.Uint32(b[64:]), vhdChecksum(b, 64); stored != sum {
		return vhdFooter{}, fmt.Errorf("footer checksum stored %#08x, computed %#08x: %w", stored, sum, ErrChecksum)
	}
	return vhdFooter{
		dataOffset:  be.Uint64(b[16:]),
		creator:     string(bytes.TrimRight(b[28:32], "\x00 ")),
		currentSize: be.Uint64(b[48:]),
		diskType:    be.Uint32(b[60:]),
	}, nil
}

// parseVHDDynHeader decodes and verifies a 1024-byte dynamic disk header.
func parseVHDDynHeader(b []byte) (vhdDynHeader, error) {
	if len(b) < vhdDynHeaderSize || string(b[:8]) != "cxsparse" {
		return vhdDynHeader{}, corruptf("no cxsparse dynamic header")
	}
	b = b[:vhdDynHeaderSize]
	be := binary.BigEndian
	if stored, sum := be.Uint32(b[36:]), vhdChecksum(b, 36); stored != sum {
		return vhdDynHeader{}, fmt.Errorf("dynamic header checksum stored %#08x, computed %#08x: %w", stored, sum, ErrChecksum)
	}
	name := make([]uint16, 0, 256)
	for i := 64; i < 576; i += 2 {
		c := be.Uint16(b[i:])
		if c == 0 {
			break
		}
		name = append(name, c)
	}
	return vhdDynHeader{
		tableOffset: be.Uint64(b[16:]),
		maxEntries:  be.Uint32(b[28:]),
		blockSize:   be.Uint32(b[32:]),
		parentName:  string(utf16.Decode(name)),
	}, nil
}

// vhdImage reads a fixed or dynamic VHD.
type vhdImage struct {
	r     io.ReaderAt
	c     io.Closer
	path  string
	size  int64
	fixed bool
	// Dynamic disks only.
	blockSize  int64
	bitmapSize int64
	bat        []uint32
}

// openVHD opens path as a VHD.
func openVHD(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("vhd: %w", err)
	}
	n, err := fileSize(f)
	if err == nil {
		var img *vhdImage
		if img, err = newVHD(f, n, path); err == nil {
			img.c = f
			return img, nil
		}
	}
	f.Close()
	return nil, err
}

// newVHD parses the VHD structures of r (fileSize bytes long). Every offset
// and count is checked against fileSize before it is used.
func newVHD(r io.ReaderAt, fileSize int64, name string) (*vhdImage, error) {
	if fileSize < vhdFooterSize {
		return nil, corruptf("vhd %s: file of %d bytes is too small", name, fileSize)
	}
	buf := make([]byte, vhdDynHeaderSize)
	if _, err := r.ReadAt(buf[:vhdFooterSize], fileSize-vhdFooterSize); err != nil {
		return nil, fmt.Errorf("vhd %s: footer at offset %d: %w", name, fileSize-vhdFooterSize, err)
	}
	ft, err := parseVHDFooter(buf)
	if err != nil {
		// A footer copy at offset 0 without one at the end: truncated dynamic disk.
		if string(buf[:8]) != "conectix" && fileSize > vhdFooterSize {
			if _, e := r.ReadAt(buf[:8], 0); e == nil && string(buf[:8]) == "conectix" {
				return nil, corruptf("vhd %s: footer copy at offset 0 but none at end (offset %d): truncated",
					name, fileSize-vhdFooterSize)
			}
		}
		return nil, fmt.Errorf("vhd %s: footer at offset %d: %w", name, fileSize-vhdFooterSize, err)
	}
	img := &vhdImage{r: r, path: name, size: int64(ft.currentSize)}
	switch ft.diskType {
	case vhdTypeFixed:
		if ft.currentSize > uint64(fileSize-vhdFooterSize) {
			return nil, corruptf("vhd %s: fixed disk declares %d bytes but only %d precede the footer (truncated?)",
				name, ft.currentSize, fileSize-vhdFooterSize)
		}
		img.fixed = true
		return img, nil
	case vhdTypeDynamic, vhdTypeDiff:
	default:
		return nil, corruptf("vhd %s: unknown disk type %d", name, ft.diskType)
	}
	if lim := fileSize - vhdFooterSize - vhdDynHeaderSize; lim < 0 || ft.dataOffset > uint64(lim) {
		return nil, corruptf("vhd %s: dynamic header offset %d beyond file size %d", name, ft.dataOffset, fileSize)
	}
	if _, err := r.ReadAt(buf, int64(ft.dataOffset)); err != nil {
		return nil, fmt.Errorf("vhd %s: dynamic header at offset %d: %w", name, ft.dataOffset, err)
	}
	dh, err := parseVHDDynHeader(buf)
	if err != nil {
		return nil, fmt.Errorf("vhd %s: dynamic header at offset %d: %w", name, ft.dataOffset, err)
	}
	if ft.diskType == vhdTypeDiff {
		return nil, fmt.Errorf("vhd %s: differencing disk (parent %q); open the merged parent chain instead: %w",
			name, dh.parentName, ErrUnsupported)
	}
	if ft.currentSize > vhdMaxSize {
		return nil, corruptf("vhd %s: declared size %d exceeds the VHD maximum", name, ft.currentSize)
	}
	bs := int64(dh.blockSize)
	if bs < vhdSector || bs > 256<<20 || bs&(bs-1) != 0 {
		return nil, corruptf("vhd %s: block size %d is not a power of two between 512 B and 256 MiB", name, bs)
	}
	blocks := (img.size + bs - 1) / bs
	if blocks > int64(dh.maxEntries) || blocks > vhdMaxBlocks {
		return nil, corruptf("vhd %s: size %d needs %d blocks, BAT holds %d", name, img.size, blocks, dh.maxEntries)
	}
	dataEnd := fileSize - vhdFooterSize
	if dh.tableOffset > uint64(dataEnd) || blocks*4 > dataEnd-int64(dh.tableOffset) {
		return nil, corruptf("vhd %s: BAT of %d entries at offset %d runs past end of file (%d bytes)",
			name, blocks, dh.tableOffset, fileSize)
	}
	img.blockSize = bs
	img.bitmapSize = ((bs/vhdSector+7)/8 + vhdSector - 1) / vhdSector * vhdSector
	raw := make([]byte, blocks*4)
	if _, err := r.ReadAt(raw, int64(dh.tableOffset)); err != nil {
		return nil, fmt.Errorf("vhd %s: BAT at offset %d: %w", name, dh.tableOffset, err)
	}
	img.bat = make([]uint32, blocks)
	for i := range img.bat {
		e := binary.BigEndian.Uint32(raw[4*i:])
		img.bat[i] = e
		if e == vhdUnused {
			continue
		}
		// The block's data must lie between the headers and the footer.
		start := int64(e) * vhdSector
		need := min(bs, img.size-int64(i)*bs)
		if start < vhdFooterSize+vhdDynHeaderSize || start+img.bitmapSize+need > dataEnd {
			return nil, corruptf("vhd %s: BAT entry %d points to sector %d (offset %d), outside the data area (file %d bytes)",
				name, i, e, start, fileSize)
		}
	}
	return img, nil
}

func (v *vhdImage) ReadAt(p []byte, off int64) (int, error) {
	q, eof, err := clampRead(p, off, v.size)
	if err != nil {
		return 0, err
	}
	if v.fixed {
		n, err := v.r.ReadAt(q, off)
		if n == len(q) {
			err = nil
		} else if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return n, fmt.Errorf("vhd %s offset %d: %w", v.path, off+int64(n), err)
		}
	} else {
		for done := 0; done < len(q); {
			pos := off + int64(done)
			blk, in := pos/v.blockSize, pos%v.blockSize
			chunk := q[done:min(len(q), done+int(v.blockSize-in))]
			e := v.bat[blk]
			if e == vhdUnused {
				zero(chunk)
				done += len(chunk)
				continue
			}
			if err := v.readBlock(chunk, blk, in); err != nil {
				return done, err
			}
			done += len(chunk)
		}
	}
	if eof {
		return len(q), io.EOF
	}
	return len(q), nil
}

// readBlock fills p from allocated block blk starting in bytes into it.
// Sectors whose bit in the block's sector bitmap is clear read as zeros,
// as libvhdi (and so The Sleuth Kit) reads them; qemu ignores the bitmap.
func (v *vhdImage) readBlock(p []byte, blk, in int64) error {
	base := int64(v.bat[blk]) * vhdSector
	at := base + v.bitmapSize + in
	if n, err := v.r.ReadAt(p, at); n < len(p) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("vhd %s: block %d at file offset %d (media offset %d): %w",
			v.path, blk, at+int64(n), blk*v.blockSize+in+int64(n), err)
	}
	first, last := in/vhdSector, (in+int64(len(p))-1)/vhdSector
	bm := make([]byte, last/8-first/8+1)
	if n, err := v.r.ReadAt(bm, base+first/8); n < len(bm) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("vhd %s: block %d sector bitmap at file offset %d: %w", v.path, blk, base+first/8, err)
	}
	for s := first; s <= last; s++ {
		if bm[s/8-first/8]&(0x80>>(s%8)) != 0 {
			continue
		}
		// Sector s of the block, clipped to the part p covers.
		lo, hi := max(s*vhdSector, in), min((s+1)*vhdSector, in+int64(len(p)))
		zero(p[lo-in : hi-in])
	}
	return nil
}

func (v *vhdImage) Size() int64                     { return v.size }
func (v *vhdImage) Format() string                  { return "vhd" }
func (v *vhdImage) Segments() []string              { return []string{v.path} }
func (v *vhdImage) StoredHashes() map[string]string { return map[string]string{} }

func (v *vhdImage) Close() error {
	if v.c == nil {
		return nil
	}
	return v.c.Close()
}
