package container

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// VMDK monolithicSparse (VMware Virtual Disk Format 1.1): a "KDMV" sparse
// extent header, an embedded text descriptor, a grain directory (GD) of
// grain-table (GT) sector offsets, and grains of grainSize sectors; a GT
// entry of 0 is a grain never written (reads as zeros).
//
// This is a reader of our own rather than a go-vmdk-parser wrapper: that
// module needs golang.org/x/xerrors, which go.sum does not list, and it
// seeks one shared io.ReadSeeker (not safe for concurrent ReadAt), reads GD
// entries as int32 and sizes allocations straight from header fields.

const (
	vmdkSector       = 512
	vmdkMaxGTEs      = 512     // entries per grain table, as VMware and qemu write
	vmdkMaxGrain     = 2048    // sectors (1 MiB)
	vmdkMaxDescBytes = 1 << 20 // embedded or standalone descriptor text
	vmdkMaxCapacity  = 64 << 40
	vmdkFlagCompress = 1 << 16
	vmdkFlagZeroGTE  = 1 << 2 // GT entry 1 means "grain of zeros"
	vmdkGTCache      = 256    // grain tables kept per image (512 KiB)
)

// vmdkHeader is the part of the sparse extent header this package checks.
type vmdkHeader struct {
	flags                  uint32
	capacity, grainSize    uint64
	descOffset, descSize   uint64
	gtes                   uint32
	gdOffset               uint64
	compressAlgorithm      uint16
	gdEntries, gtByteCount int64
}

// parseVMDKHeader decodes the 512-byte sparse header and bounds it by fileSize.
func parseVMDKHeader(b []byte, fileSize int64) (vmdkHeader, error) {
	if len(b) < vmdkSector || string(b[:4]) != "KDMV" {
		return vmdkHeader{}, corruptf("no KDMV sparse header")
	}
	le := binary.LittleEndian
	h := vmdkHeader{
		flags:             le.Uint32(b[8:]),
		capacity:          le.Uint64(b[12:]),
		grainSize:         le.Uint64(b[20:]),
		descOffset:        le.Uint64(b[28:]),
		descSize:          le.Uint64(b[36:]),
		gtes:              le.Uint32(b[44:]),
		gdOffset:          le.Uint64(b[56:]),
		compressAlgorithm: le.Uint16(b[77:]),
	}
	fileSectors := uint64(fileSize) / vmdkSector
	switch {
	case h.flags&vmdkFlagCompress != 0 || h.compressAlgorithm != 0 || h.gdOffset == ^uint64(0):
		return h, fmt.Errorf("compressed (streamOptimized) sparse extent: %w", ErrUnsupported)
	case h.capacity == 0 || h.capacity > vmdkMaxCapacity/vmdkSector:
		return h, corruptf("capacity %d sectors is out of range", h.capacity)
	case h.grainSize == 0 || h.grainSize > vmdkMaxGrain || h.grainSize&(h.grainSize-1) != 0:
		return h, corruptf("grain size %d sectors is not a power of two up to %d", h.grainSize, vmdkMaxGrain)
	case h.gtes == 0 || h.gtes > vmdkMaxGTEs:
		return h, corruptf("%d entries per grain table (max %d)", h.gtes, vmdkMaxGTEs)
	case h.descSize > vmdkMaxDescBytes/vmdkSector ||
		h.descOffset > fileSectors || h.descSize > fileSectors-h.descOffset:
		return h, corruptf("descriptor at sector %d, %d sectors, outside file of %d bytes", h.descOffset, h.descSize, fileSize)
	}
	grains := (h.capacity + h.grainSize - 1) / h.grainSize
	h.gdEntries = int64((grains + uint64(h.gtes) - 1) / uint64(h.gtes))
	h.gtByteCount = int64(h.gtes) * 4
	if h.gdOffset == 0 || h.gdOffset > fileSectors || uint64(h.gdEntries)*4 > uint64(fileSize)-h.gdOffset*vmdkSector {
		return h, corruptf("grain directory of %d entries at sector %d runs past end of file (%d bytes)",
			h.gdEntries, h.gdOffset, fileSize)
	}
	return h, nil
}

// checkVMDKGD reads the grain directory and requires every grain table to
// lie inside the file without overlapping another.
func checkVMDKGD(r io.ReaderAt, h vmdkHeader, fileSize int64, name string) ([]uint32, error) {
	gd := make([]byte, h.gdEntries*4)
	if _, err := r.ReadAt(gd, int64(h.gdOffset)*vmdkSector); err != nil {
		return nil, fmt.Errorf("vmdk %s: grain directory at offset %d: %w", name, h.gdOffset*vmdkSector, err)
	}
	dir := make([]uint32, h.gdEntries)
	var gts []int64
	for i := range h.gdEntries {
		dir[i] = binary.LittleEndian.Uint32(gd[4*i:])
		s := int64(dir[i])
		if s == 0 {
			continue
		}
		if s*vmdkSector+h.gtByteCount > fileSize {
			return nil, corruptf("vmdk %s: grain directory entry %d points to sector %d, past end of file (%d bytes)", name, i, s, fileSize)
		}
		gts = append(gts, s*vmdkSector)
	}
	sort.Slice(gts, func(i, j int) bool { return gts[i] < gts[j] })
	for i := 1; i < len(gts); i++ {
		if gts[i]-gts[i-1] < h.gtByteCount {
			return nil, corruptf("vmdk %s: grain tables at offsets %d and %d overlap", name, gts[i-1], gts[i])
		}
	}
	return dir, nil
}

// vmdkSparse reads a monolithicSparse VMDK.
type vmdkSparse struct {
	r          io.ReaderAt
	c          io.Closer
	path       string
	size       int64
	fileSize   int64
	grainBytes int64
	gtes       int64
	zeroGTE    bool
	gd         []uint32

	mu  sync.Mutex
	gts map[uint32][]uint32 // grain tables by GD entry, bounded by vmdkGTCache
}

// openVMDKSparse opens path as a monolithicSparse VMDK.
func openVMDKSparse(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("vmdk: %w", err)
	}
	n, err := fileSize(f)
	if err == nil {
		var img *vmdkSparse
		if img, err = newVMDKSparse(f, n, path); err == nil {
			img.c = f
			return img, nil
		}
	}
	f.Close()
	return nil, err
}

// newVMDKSparse opens a monolithicSparse file: one sparse extent whose
// embedded descriptor describes the whole disk.
func newVMDKSparse(r io.ReaderAt, fileSize int64, name string) (*vmdkSparse, error) {
	v, h, err := newSparseExtent(r, fileSize, name)
	if err != nil {
		return nil, err
	}
	if h.descSize == 0 {
		return nil, fmt.Errorf("vmdk %s: sparse extent without a descriptor (open the disk's descriptor file instead): %w",
			name, ErrUnsupported)
	}
	text := make([]byte, h.descSize*vmdkSector)
	if _, err := r.ReadAt(text, int64(h.descOffset)*vmdkSector); err != nil {
		return nil, fmt.Errorf("vmdk %s: descriptor at offset %d: %w", name, h.descOffset*vmdkSector, err)
	}
	d, err := parseVMDKDescriptor(text)
	if err != nil {
		return nil, fmt.Errorf("vmdk %s: embedded descriptor: %w", name, err)
	}
	switch {
	case d.parentCID != "" && !strings.EqualFold(d.parentCID, "ffffffff"):
		return nil, fmt.Errorf("vmdk %s: snapshot (delta) disk with parent CID %s: %w", name, d.parentCID, ErrUnsupported)
	case !strings.EqualFold(d.createType, "monolithicSparse"):
		return nil, fmt.Errorf("vmdk %s: sparse extent of a %q disk (open its descriptor file instead): %w",
			name, d.createType, ErrUnsupported)
	case len(d.extents) != 1 || d.extents[0].sectors != int64(h.capacity):
		return nil, corruptf("vmdk %s: descriptor extents disagree with header capacity %d sectors", name, h.capacity)
	}
	return v, nil
}

// newSparseExtent parses a sparse extent's header and grain directory; it
// serves monolithicSparse files and the SPARSE extents of a descriptor.
func newSparseExtent(r io.ReaderAt, fileSize int64, name string) (*vmdkSparse, vmdkHeader, error) {
	hb := make([]byte, vmdkSector)
	if _, err := r.ReadAt(hb, 0); err != nil {
		return nil, vmdkHeader{}, fmt.Errorf("vmdk %s: header: %w", name, err)
	}
	h, err := parseVMDKHeader(hb, fileSize)
	if err != nil {
		return nil, h, fmt.Errorf("vmdk %s: %w", name, err)
	}
	gd, err := checkVMDKGD(r, h, fileSize, name)
	if err != nil {
		return nil, h, err
	}
	return &vmdkSparse{
		r: r, path: name, size: int64(h.capacity) * vmdkSector, fileSize: fileSize,
		grainBytes: int64(h.grainSize) * vmdkSector, gtes: int64(h.gtes),
		zeroGTE: h.flags&vmdkFlagZeroGTE != 0, gd: gd, gts: map[uint32][]uint32{},
	}, h, nil
}

// grainTable returns GT number i (nil when the GD entry is unallocated).
func (v *vmdkSparse) grainTable(i int64) ([]uint32, error) {
	sec := v.gd[i]
	if sec == 0 {
		return nil, nil
	}
	v.mu.Lock()
	gt, ok := v.gts[sec]
	v.mu.Unlock()
	if ok {
		return gt, nil
	}
	raw := make([]byte, v.gtes*4)
	if _, err := v.r.ReadAt(raw, int64(sec)*vmdkSector); err != nil {
		return nil, fmt.Errorf("vmdk %s: grain table %d at offset %d: %w", v.path, i, int64(sec)*vmdkSector, err)
	}
	gt = make([]uint32, v.gtes)
	for k := range gt {
		gt[k] = binary.LittleEndian.Uint32(raw[4*k:])
	}
	v.mu.Lock()
	if len(v.gts) >= vmdkGTCache {
		clear(v.gts)
	}
	v.gts[sec] = gt
	v.mu.Unlock()
	return gt, nil
}

func (v *vmdkSparse) ReadAt(p []byte, off int64) (int, error) {
	q, eof, err := clampRead(p, off, v.size)
	if err != nil {
		return 0, err
	}
	for done := 0; done < len(q); {
		pos := off + int64(done)
		grain, in := pos/v.grainBytes, pos%v.grainBytes
		chunk := q[done:min(len(q), done+int(v.grainBytes-in))]
		gt, err := v.grainTable(grain / v.gtes)
		if err != nil {
			return done, err
		}
		var sec uint32
		if gt != nil {
			sec = gt[grain%v.gtes]
		}
		if sec == 0 || (sec == 1 && v.zeroGTE) {
			zero(chunk)
			done += len(chunk)
			continue
		}
		at := int64(sec)*vmdkSector + in
		n, err := v.r.ReadAt(chunk, at)
		if n < len(chunk) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF // grain lies past the end of the file
			}
			return done + n, fmt.Errorf("vmdk %s: grain %d at file offset %d (media offset %d): %w",
				v.path, grain, at+int64(n), pos+int64(n), err)
		}
		done += n
	}
	if eof {
		return len(q), io.EOF
	}
	return len(q), nil
}

func (v *vmdkSparse) Size() int64                     { return v.size }
func (v *vmdkSparse) Format() string                  { return "vmdk" }
func (v *vmdkSparse) Segments() []string              { return []string{v.path} }
func (v *vmdkSparse) StoredHashes() map[string]string { return map[string]string{} }

func (v *vmdkSparse) Close() error {
	if v.c == nil {
		return nil
	}
	return v.c.Close()
}
