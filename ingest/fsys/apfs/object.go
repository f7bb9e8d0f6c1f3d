package apfs

import (
	"encoding/binary"
	"fmt"
)

// Every APFS object starts with obj_phys_t: a Fletcher-64 checksum of the
// rest of the block, the object id, the transaction id, the type and
// subtype ("Objects" in the APFS reference).
const (
	objHeaderSize = 32
	objTypeMask   = 0x0000ffff

	objTypeNXSuperblock = 0x01
	objTypeBtree        = 0x02
	objTypeBtreeNode    = 0x03
	objTypeOmap         = 0x0b
	objTypeFS           = 0x0d
)

var le = binary.LittleEndian

type objHeader struct {
	oid, xid uint64
	typ      uint32
	subtype  uint32
}

func parseObjHeader(b []byte) objHeader {
	return objHeader{oid: le.Uint64(b[8:]), xid: le.Uint64(b[16:]), typ: le.Uint32(b[24:]), subtype: le.Uint32(b[28:])}
}

// fletcher64 is the APFS object checksum over b (the block after its
// 8-byte checksum field), read as little-endian 32-bit words.
func fletcher64(b []byte) uint64 {
	const mod = 0xffffffff
	var s1, s2 uint64
	for i := 0; i+4 <= len(b); i += 4 {
		s1 = (s1 + uint64(le.Uint32(b[i:]))) % mod
		s2 = (s2 + s1) % mod
	}
	c1 := mod - (s1+s2)%mod
	c2 := mod - (s1+c1)%mod
	return c2<<32 | c1
}

// checkObject verifies a block's checksum and, when typ is not 0, its
// object type.
func checkObject(b []byte, typ uint32) (objHeader, error) {
	h := parseObjHeader(b)
	if got, want := le.Uint64(b), fletcher64(b[8:]); got != want {
		return h, fmt.Errorf("object checksum %#x, the block sums to %#x", got, want)
	}
	if typ != 0 && h.typ&objTypeMask != typ {
		return h, fmt.Errorf("object of type %#x, want %#x", h.typ&objTypeMask, typ)
	}
	return h, nil
}

// readBlock reads physical block n of the container.
func (c *container) readBlock(n uint64) ([]byte, error) {
	if n >= c.blockCount {
		return nil, c.pastEnd(n)
	}
	b := make([]byte, c.blockSize)
	if m, err := c.r.ReadAt(b, int64(n)*int64(c.blockSize)); m < len(b) {
		return nil, fmt.Errorf("block %d: short read (%d of %d bytes): %v", n, m, len(b), err)
	}
	return b, nil
}

// readObject reads physical block n and checks it is an object of typ.
func (c *container) readObject(n uint64, typ uint32) ([]byte, error) {
	b, err := c.readBlock(n)
	if err != nil {
		return nil, err
	}
	if _, err := checkObject(b, typ); err != nil {
		return nil, fmt.Errorf("block %d: %w", n, err)
	}
	return b, nil
}

// pastEnd says why block n cannot be read.
func (c *container) pastEnd(n uint64) error {
	if n < c.declared {
		return fmt.Errorf("block %d lies past the end of the truncated image (%d of %d blocks)", n, c.blockCount, c.declared)
	}
	return fmt.Errorf("block %d outside the container's %d blocks", n, max(c.blockCount, c.declared))
}
