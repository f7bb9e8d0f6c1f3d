package apfs

import "fmt"

// omap_phys_t: the object map's B-tree of (oid, xid) → (flags, size,
// physical address), all fixed-size entries.
const (
	omTreeOID      = 48
	omapValDeleted = 0x1
)

type omap struct {
	tree *btree
	xid  uint64
}

// openOmap reads the object map at block paddr; lookups see the newest
// mapping no later than xid.
func (c *container) openOmap(paddr, xid uint64) (*omap, error) {
	b, err := c.readObject(paddr, objTypeOmap)
	if err != nil {
		return nil, err
	}
	t, err := c.openTree("object map", le.Uint64(b[omTreeOID:]), nil)
	if err != nil {
		return nil, err
	}
	t.cache = &nodeCache{nodes: map[uint64]*node{}}
	if t.keySize != 16 || t.valSize != 16 {
		return nil, fmt.Errorf("object map B-tree: keys of %d and values of %d bytes, want 16 and 16", t.keySize, t.valSize)
	}
	return &omap{tree: t, xid: xid}, nil
}

// lookup returns the block that holds virtual object oid.
func (m *omap) lookup(oid uint64) (uint64, error) {
	k, v, found, err := m.tree.find(func(key []byte) int {
		if len(key) < 16 {
			return 1
		}
		ko, kx := le.Uint64(key), le.Uint64(key[8:])
		switch {
		case ko != oid:
			return cmpU64(ko, oid)
		case kx > m.xid:
			return 1
		}
		return -1
	})
	if err != nil {
		return 0, err
	}
	if !found || len(k) < 16 || le.Uint64(k) != oid || len(v) < 16 {
		return 0, fmt.Errorf("object %d is not in the object map", oid)
	}
	if le.Uint32(v)&omapValDeleted != 0 {
		return 0, fmt.Errorf("object %d is deleted in the object map", oid)
	}
	return le.Uint64(v[8:]), nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
