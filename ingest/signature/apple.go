package signature

import (
	"fmt"
	"io"
)

// hfsPlus: the volume header at 1024 says "H+" (HFS+, version 4) or "HX"
// (case-sensitive HFSX, version 5); "BD" is the older HFS (often a wrapper
// around an HFS+ volume).
func hfsPlus(b []byte, _ io.ReaderAt, _ int64) (Match, bool) {
	v, _ := be16(b, 1026)
	switch {
	case at(b, 1024, "H+") && v == 4:
		return Match{Name: "HFS+ filesystem"}, true
	case at(b, 1024, "HX") && v == 5:
		return Match{Name: "HFSX filesystem"}, true
	case at(b, 1024, "BD"):
		if bs, _ := be32(b, 1024+20); bs >= 512 && bs%512 == 0 {
			return Match{Name: "HFS filesystem"}, true
		}
	}
	return Match{}, false
}

// coreStorage is the logical volume manager under FileVault 2 on Mac OS X
// 10.7-10.12: its physical volume header has "CS" at 88 and format version 1.
// It is taken as encrypted, which is what it is used for on seized Macs.
func coreStorage(b []byte, _ io.ReaderAt, _ int64) (Match, bool) {
	if v, _ := le16(b, 8); at(b, 88, "CS") && v == 1 {
		return Match{Name: "Core Storage (FileVault 2) volume", Encrypted: true}, true
	}
	return Match{}, false
}

// APFS layout (Apple File System Reference): every object starts with a
// 32-byte header; the container superblock has "NXSB" at 32, the volume
// superblock "APSB" at 32.
const (
	nxBlockSize   = 36
	nxOmapOID     = 160
	nxMaxFS       = 180
	nxFSOIDs      = 184
	omTreeOID     = 48
	apfsFSFlags   = 264
	fsUnencrypted = 1 // APFS_FS_UNENCRYPTED
	btnFlags      = 32
	btnLevel      = 34
	btnNKeys      = 36
	btnTableSpace = 40
	btnData       = 56
	btnodeRoot    = 1
	btnodeLeaf    = 2
	btnodeFixedKV = 4
	btreeInfoSize = 40
	maxTreeDepth  = 8
)

// apfs names an APFS container and looks up its volumes' superblocks
// through the object map, to say whether they are encrypted (FileVault):
// a volume whose APFS_FS_UNENCRYPTED flag is clear holds ciphertext.
func apfs(b []byte, r io.ReaderAt, size int64) (Match, bool) {
	if !at(b, 32, "NXSB") {
		return Match{}, false
	}
	vols, enc, err := apfsVolumes(b, r, size)
	switch {
	case err != nil || vols == 0:
		return Match{Name: "APFS container"}, true
	case enc == vols:
		return Match{Name: "APFS container, FileVault-encrypted", Encrypted: true}, true
	case enc > 0:
		return Match{Name: fmt.Sprintf("APFS container (%d of %d volumes FileVault-encrypted)", enc, vols)}, true
	}
	return Match{Name: "APFS container"}, true
}

// apfsVolumes counts the container's volumes and the encrypted ones.
func apfsVolumes(nx []byte, r io.ReaderAt, size int64) (vols, enc int, err error) {
	bs32, _ := le32(nx, nxBlockSize)
	bs := int64(bs32)
	if bs < 4096 || bs > 65536 || bs&(bs-1) != 0 {
		return 0, 0, fmt.Errorf("apfs: block size %d", bs)
	}
	read := func(paddr uint64) ([]byte, error) {
		if paddr == 0 || paddr > uint64(size/bs) {
			return nil, fmt.Errorf("apfs: block %d outside the container", paddr)
		}
		blk := make([]byte, bs)
		if n, _ := r.ReadAt(blk, int64(paddr)*bs); int64(n) < bs {
			return nil, fmt.Errorf("apfs: short read of block %d", paddr)
		}
		return blk, nil
	}
	omapOID, _ := le64(nx, nxOmapOID)
	omap, err := read(omapOID)
	if err != nil {
		return 0, 0, err
	}
	tree, _ := le64(omap, omTreeOID)
	maxFS, _ := le32(nx, nxMaxFS)
	for i := range min(int(maxFS), 100) {
		oid, ok := le64(nx, nxFSOIDs+8*i)
		if !ok || oid == 0 {
			continue
		}
		paddr, err := omapLookup(read, tree, oid)
		if err != nil {
			return vols, enc, err
		}
		sb, err := read(paddr)
		if err != nil {
			return vols, enc, err
		}
		if !at(sb, 32, "APSB") {
			return vols, enc, fmt.Errorf("apfs: volume %d: no APSB at block %d", oid, paddr)
		}
		vols++
		if flags, _ := le64(sb, apfsFSFlags); flags&fsUnencrypted == 0 {
			enc++
		}
	}
	return vols, enc, nil
}

// omapLookup finds the newest physical address of virtual object oid in an
// object map's B-tree (fixed-size keys {oid, xid} and values).
func omapLookup(read func(uint64) ([]byte, error), node, oid uint64) (uint64, error) {
	for range maxTreeDepth {
		blk, err := read(node)
		if err != nil {
			return 0, err
		}
		flags, _ := le16(blk, btnFlags)
		level, _ := le16(blk, btnLevel)
		nkeys, _ := le32(blk, btnNKeys)
		toff, _ := le16(blk, btnTableSpace)
		tlen, _ := le16(blk, btnTableSpace+2)
		if flags&btnodeFixedKV == 0 {
			return 0, fmt.Errorf("apfs: object map node %d has variable-size entries", node)
		}
		keys := btnData + int(toff) + int(tlen)
		vend := len(blk)
		if flags&btnodeRoot != 0 {
			vend -= btreeInfoSize
		}
		found, best := false, uint64(0)
		for i := range int(min(nkeys, uint32(len(blk)/4))) {
			k, ok1 := le16(blk, btnData+int(toff)+4*i)
			v, ok2 := le16(blk, btnData+int(toff)+4*i+2)
			koid, ok3 := le64(blk, keys+int(k))
			if !ok1 || !ok2 || !ok3 || koid > oid {
				break
			}
			if flags&btnodeLeaf != 0 && koid != oid {
				continue
			}
			// Leaf value {flags, size, paddr}; index value {child}.
			voff := vend - int(v)
			if flags&btnodeLeaf != 0 {
				voff += 8
			}
			if val, ok := le64(blk, voff); ok {
				found, best = true, val
			}
		}
		if !found {
			return 0, fmt.Errorf("apfs: object %d not in the object map", oid)
		}
		if flags&btnodeLeaf != 0 || level == 0 {
			return best, nil
		}
		node = best
	}
	return 0, fmt.Errorf("apfs: object map deeper than %d levels", maxTreeDepth)
}
