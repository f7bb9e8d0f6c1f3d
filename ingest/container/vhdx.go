package container

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	vhdxparser "github.com/Velocidex/go-vhdx/parser"
)

// VHDX (MS-VHDX v1): go-vhdx does the block translation, but it trusts its
// input (no checksums, region counts straight into allocations, reads the
// first region table only), so the structures it relies on are validated
// here first against the file size (checkVHDX).

const (
	vhdxHeader1      = 64 << 10
	vhdxHeader2      = 128 << 10
	vhdxRegion1      = 192 << 10
	vhdxRegionSize   = 64 << 10
	vhdxHeaderSize   = 4 << 10
	vhdxMaxEntries   = 2047 // region and metadata table limit in the spec
	vhdxMaxDiskSize  = 64 << 40
	vhdxMinBlockSize = 1 << 20
	vhdxMaxBlockSize = 256 << 20
	// A8D35F2D-B30B-454D-ABF7-D3D84834AB0C, present only on differencing disks.
	vhdxParentLocator = "\x2d\x5f\xd3\xa8\x0b\xb3\x4d\x45\xab\xf7\xd3\xd8\x48\x34\xab\x0c"
)

// vhdxInfo is what checkVHDX learned and go-vhdx must agree with.
type vhdxInfo struct {
	blockSize   uint64
	diskSize    uint64
	sectorSize  uint64
	batOffset   uint64
	batEntries  uint64
	hasParent   bool
	logNotEmpty bool
}

type vhdxImage struct {
	f    io.Closer
	vf   *vhdxparser.VHDXFile
	path string
	size int64
}

// vhdxChecksumOK checks the CRC-32C of b, computed with its checksum
// field (at offset 4) zeroed.
func vhdxChecksumOK(b []byte) (stored, sum uint32, ok bool) {
	stored = binary.LittleEndian.Uint32(b[4:])
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint32(c[4:], 0)
	sum = crc32.Checksum(c, crc32.MakeTable(crc32.Castagnoli))
	return stored, sum, stored == sum
}

// checkVHDX validates the headers, region table and metadata of r.
func checkVHDX(r io.ReaderAt, fileSize int64, name string) (vhdxInfo, error) {
	var info vhdxInfo
	if fileSize < vhdxRegion1+2*vhdxRegionSize {
		return info, corruptf("vhdx %s: file of %d bytes is too small", name, fileSize)
	}
	// Current header: the valid one with the higher sequence number.
	var cur []byte
	var curSeq uint64
	var herr error
	for _, at := range []int64{vhdxHeader1, vhdxHeader2} {
		h := make([]byte, vhdxHeaderSize)
		if _, err := r.ReadAt(h, at); err != nil {
			return info, fmt.Errorf("vhdx %s: header at offset %d: %w", name, at, err)
		}
		if string(h[:4]) != "head" {
			herr = corruptf("vhdx %s: header at offset %d has no signature", name, at)
			continue
		}
		if st, sum, ok := vhdxChecksumOK(h); !ok {
			herr = fmt.Errorf("vhdx %s: header at offset %d crc32c stored %#08x, computed %#08x: %w", name, at, st, sum, ErrChecksum)
			continue
		}
		if seq := binary.LittleEndian.Uint64(h[8:]); cur == nil || seq > curSeq {
			cur, curSeq = h, seq
		}
	}
	if cur == nil {
		return info, herr
	}
	info.logNotEmpty = !allZero(cur[48:64])

	// go-vhdx reads region table 1 only, so that is the one that must be sound.
	rt := make([]byte, vhdxRegionSize)
	if _, err := r.ReadAt(rt, vhdxRegion1); err != nil {
		return info, fmt.Errorf("vhdx %s: region table at offset %d: %w", name, vhdxRegion1, err)
	}
	if string(rt[:4]) != "regi" {
		return info, corruptf("vhdx %s: region table at offset %d has no signature", name, vhdxRegion1)
	}
	if st, sum, ok := vhdxChecksumOK(rt); !ok {
		return info, fmt.Errorf("vhdx %s: region table at offset %d crc32c stored %#08x, computed %#08x: %w",
			name, vhdxRegion1, st, sum, ErrChecksum)
	}
	count := binary.LittleEndian.Uint32(rt[8:])
	if count > vhdxMaxEntries {
		return info, corruptf("vhdx %s: region table claims %d entries (max %d)", name, count, vhdxMaxEntries)
	}
	var metaOff, metaLen uint64
	var batLen uint64
	seen := map[string]bool{}
	for i := range int(count) {
		e := rt[16+32*i : 48+32*i]
		guid := string(e[:16])
		off, length := binary.LittleEndian.Uint64(e[16:]), uint64(binary.LittleEndian.Uint32(e[24:]))
		if seen[guid] {
			return info, corruptf("vhdx %s: region %x listed twice", name, e[:16])
		}
		seen[guid] = true
		if off > uint64(fileSize) || length > uint64(fileSize)-off {
			return info, corruptf("vhdx %s: region %x at offset %d length %d runs past end of file (%d bytes)",
				name, e[:16], off, length, fileSize)
		}
		switch guid {
		case vhdxparser.BAT_GUID:
			info.batOffset, batLen = off, length
		case vhdxparser.Metadata_GUID:
			metaOff, metaLen = off, length
		default:
			if binary.LittleEndian.Uint32(e[28:])&1 != 0 {
				return info, fmt.Errorf("vhdx %s: unknown required region %x: %w", name, e[:16], ErrUnsupported)
			}
		}
	}
	if batLen == 0 || metaLen < 64<<10 {
		return info, corruptf("vhdx %s: BAT or metadata region missing", name)
	}
	if err := vhdxMetadata(r, metaOff, metaLen, name, &info); err != nil {
		return info, err
	}
	// Entries the BAT must hold for this size (MS-VHDX 2.5: one sector
	// bitmap entry is interleaved after every chunkRatio payload entries).
	chunkRatio := (uint64(1) << 23) * info.sectorSize / info.blockSize
	blocks := (info.diskSize + info.blockSize - 1) / info.blockSize
	info.batEntries = blocks + (blocks-1)/chunkRatio
	if info.batEntries > batLen/8 {
		return info, corruptf("vhdx %s: disk of %d bytes needs %d BAT entries, BAT region holds %d (truncated?)",
			name, info.diskSize, info.batEntries, batLen/8)
	}
	return info, nil
}

// vhdxMetadata reads the metadata table items the reader depends on.
func vhdxMetadata(r io.ReaderAt, off, length uint64, name string, info *vhdxInfo) error {
	tab := make([]byte, 64<<10)
	if _, err := r.ReadAt(tab, int64(off)); err != nil {
		return fmt.Errorf("vhdx %s: metadata table at offset %d: %w", name, off, err)
	}
	if string(tab[:8]) != "metadata" {
		return corruptf("vhdx %s: metadata table at offset %d has no signature", name, off)
	}
	count := int(binary.LittleEndian.Uint16(tab[10:]))
	if count > vhdxMaxEntries {
		return corruptf("vhdx %s: metadata table claims %d entries (max %d)", name, count, vhdxMaxEntries)
	}
	var found int
	item := func(e []byte, n int) ([]byte, error) {
		o, l := uint64(binary.LittleEndian.Uint32(e[16:])), uint64(binary.LittleEndian.Uint32(e[20:]))
		if l < uint64(n) || o > length || l > length-o {
			return nil, corruptf("vhdx %s: metadata item %x at %d+%d outside its region", name, e[:16], o, l)
		}
		b := make([]byte, n)
		if _, err := r.ReadAt(b, int64(off+o)); err != nil {
			return nil, fmt.Errorf("vhdx %s: metadata item %x at offset %d: %w", name, e[:16], off+o, err)
		}
		return b, nil
	}
	for i := range count {
		e := tab[32+32*i : 64+32*i]
		var b []byte
		var err error
		switch string(e[:16]) {
		case vhdxparser.MetadataFileParameters:
			if b, err = item(e, 8); err == nil {
				info.blockSize = uint64(binary.LittleEndian.Uint32(b))
				info.hasParent = b[4]&2 != 0
				found |= 1
			}
		case vhdxparser.MetadataVirtualDiskSize:
			if b, err = item(e, 8); err == nil {
				info.diskSize = binary.LittleEndian.Uint64(b)
				found |= 2
			}
		case vhdxparser.MetadataLogicalSectorSize:
			if b, err = item(e, 4); err == nil {
				info.sectorSize = uint64(binary.LittleEndian.Uint32(b))
				found |= 4
			}
		case vhdxparser.MetadataPhysicalSectorSize, vhdxparser.MetadataVirtualDiskId, vhdxParentLocator:
		default:
			if binary.LittleEndian.Uint32(e[24:])&4 != 0 {
				return fmt.Errorf("vhdx %s: unknown required metadata item %x: %w", name, e[:16], ErrUnsupported)
			}
		}
		if err != nil {
			return err
		}
	}
	switch {
	case found != 7:
		return corruptf("vhdx %s: metadata lacks file parameters, disk size or sector size", name)
	case info.hasParent:
		return fmt.Errorf("vhdx %s: differencing disk (has a parent); open the merged chain instead: %w", name, ErrUnsupported)
	case info.blockSize < vhdxMinBlockSize || info.blockSize > vhdxMaxBlockSize || info.blockSize&(info.blockSize-1) != 0:
		return corruptf("vhdx %s: block size %d is not a power of two between 1 and 256 MiB", name, info.blockSize)
	case info.sectorSize != 512 && info.sectorSize != 4096:
		return corruptf("vhdx %s: logical sector size %d is neither 512 nor 4096", name, info.sectorSize)
	case info.diskSize == 0 || info.diskSize > vhdxMaxDiskSize || info.diskSize%info.sectorSize != 0:
		return corruptf("vhdx %s: virtual disk size %d is invalid (max 64 TiB, whole sectors)", name, info.diskSize)
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// openVHDX opens path as a VHDX.
func openVHDX(path string) (Image, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return nil, fmt.Errorf("vhdx: %w", err)
	}
	n, err := fileSize(f)
	if err == nil {
		var img *vhdxImage
		if img, err = newVHDX(f, n, path); err == nil {
			img.f = f
			return img, nil
		}
	}
	f.Close()
	return nil, err
}

// newVHDX validates r and hands it to go-vhdx.
func newVHDX(r io.ReaderAt, fileSize int64, name string) (img *vhdxImage, err error) {
	info, err := checkVHDX(r, fileSize, name)
	if err != nil {
		return nil, err
	}
	if info.logNotEmpty {
		// Unreplayed log entries may hold newer metadata and data than the
		// BAT shows; reading around them would give a stale disk.
		return nil, fmt.Errorf("vhdx %s: log is not empty (image was not closed cleanly; replay it with Hyper-V or qemu-img first): %w",
			name, ErrUnsupported)
	}
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, corruptf("vhdx %s: go-vhdx panicked: %v", name, p)
		}
	}()
	vf, err := vhdxparser.NewVHDXFile(r)
	if err != nil {
		return nil, corruptf("vhdx %s: %v", name, err)
	}
	if m := vf.Metadata; m.BlockSize != info.blockSize || m.VirtualDiskSize != info.diskSize {
		return nil, corruptf("vhdx %s: go-vhdx disagrees on geometry (block %d vs %d, size %d vs %d)",
			name, m.BlockSize, info.blockSize, m.VirtualDiskSize, info.diskSize)
	}
	return &vhdxImage{vf: vf, path: name, size: int64(info.diskSize)}, nil
}

func (v *vhdxImage) ReadAt(p []byte, off int64) (n int, err error) {
	q, eof, err := clampRead(p, off, v.size)
	if err != nil {
		return 0, err
	}
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, corruptf("vhdx %s offset %d: go-vhdx panicked: %v", v.path, off, r)
		}
	}()
	n, err = v.vf.ReadAt(q, off)
	if n < len(q) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF // a payload block lies past the end of the file
		}
		return n, fmt.Errorf("vhdx %s: media offset %d: %w", v.path, off+int64(n), err)
	}
	if eof {
		return n, io.EOF
	}
	return n, nil
}

func (v *vhdxImage) Size() int64                     { return v.size }
func (v *vhdxImage) Format() string                  { return "vhdx" }
func (v *vhdxImage) Segments() []string              { return []string{v.path} }
func (v *vhdxImage) StoredHashes() map[string]string { return map[string]string{} }

func (v *vhdxImage) Close() error {
	if v.f == nil {
		return nil
	}
	return v.f.Close()
}
