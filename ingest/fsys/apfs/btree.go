package apfs

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// btree_node_phys_t: after the object header, flags, level, key count and
// the table of contents' place in the node's data area; keys grow from
// after the table, values back from the end of the node (before the
// 40-byte btree_info_t in a root node).
const (
	btnFlags      = 32
	btnLevel      = 34
	btnNKeys      = 36
	btnTableSpace = 40
	btnData       = 56

	btnodeRoot    = 0x1
	btnodeLeaf    = 0x2
	btnodeFixedKV = 0x4

	btreeInfoSize = 40
	// maxTreeDepth bounds a descent: a B-tree of 4 KiB nodes this deep
	// holds more records than any disk.
	maxTreeDepth = 16
	invalidOff   = 0xffff
)

var errLoop = errors.New("B-tree node reached twice (a loop)")

// btree is one B-tree: its root and, for a virtual tree (a volume's
// filesystem tree), the object map that turns child ids into blocks.
type btree struct {
	c       *container
	name    string
	root    uint64
	virtual *omap
	// Fixed key and value sizes from the root's btree_info_t.
	keySize, valSize int
	// cache keeps the nodes of an object map, which every node of a
	// filesystem tree is looked up through (nil: no cache).
	cache *nodeCache
}

// maxCachedNodes bounds an object map's cached nodes (16 MiB of 4 KiB
// blocks: the map of a volume of millions of files).
const maxCachedNodes = 4096

type nodeCache struct {
	mu    sync.Mutex
	nodes map[uint64]*node
}

func (c *nodeCache) get(addr uint64) *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[addr]
}

func (c *nodeCache) put(addr uint64, n *node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.nodes) < maxCachedNodes {
		c.nodes[addr] = n
	}
}

// node is one parsed B-tree node.
type node struct {
	b                         []byte
	flags, level              uint16
	nkeys                     int
	toc, keys, valEnd, tocEnd int
	addr                      uint64
}

// openTree reads a B-tree's root node for its fixed sizes.
func (c *container) openTree(name string, root uint64, virtual *omap) (*btree, error) {
	t := &btree{c: c, name: name, root: root, virtual: virtual}
	n, err := t.readNode(root)
	if err != nil {
		return nil, err
	}
	if n.flags&btnodeRoot == 0 {
		return nil, fmt.Errorf("%s B-tree: node %d is not a root node", name, n.addr)
	}
	info := n.b[len(n.b)-btreeInfoSize:]
	t.keySize, t.valSize = int(le.Uint32(info[8:])), int(le.Uint32(info[12:]))
	if ns := le.Uint32(info[4:]); ns != c.blockSize {
		return nil, fmt.Errorf("%s B-tree: node size %d, the container's blocks are %d bytes", name, ns, c.blockSize)
	}
	return t, nil
}

// readNode reads the node with id oid (a block, or a virtual id the
// tree's object map resolves) and checks its layout.
func (t *btree) readNode(oid uint64) (*node, error) {
	addr := oid
	if t.virtual != nil {
		var err error
		if addr, err = t.virtual.lookup(oid); err != nil {
			return nil, fmt.Errorf("%s B-tree node %d: %w", t.name, oid, err)
		}
	}
	if t.cache != nil {
		if n := t.cache.get(addr); n != nil {
			return n, nil
		}
	}
	b, err := t.c.readBlock(addr)
	if err != nil {
		return nil, fmt.Errorf("%s B-tree node: %w", t.name, err)
	}
	h, err := checkObject(b, 0)
	if err != nil {
		return nil, fmt.Errorf("%s B-tree node at block %d: %w", t.name, addr, err)
	}
	if typ := h.typ & objTypeMask; typ != objTypeBtree && typ != objTypeBtreeNode {
		return nil, fmt.Errorf("%s B-tree: block %d holds an object of type %#x, not a B-tree node", t.name, addr, typ)
	}
	n := &node{b: b, flags: le.Uint16(b[btnFlags:]), level: le.Uint16(b[btnLevel:]), nkeys: int(le.Uint32(b[btnNKeys:])), addr: addr}
	n.toc = btnData + int(le.Uint16(b[btnTableSpace:]))
	n.keys = n.toc + int(le.Uint16(b[btnTableSpace+2:]))
	n.tocEnd = n.keys
	n.valEnd = len(b)
	if n.flags&btnodeRoot != 0 {
		n.valEnd -= btreeInfoSize
	}
	entry := 8
	if n.flags&btnodeFixedKV != 0 {
		entry = 4
	}
	if n.keys > n.valEnd || n.nkeys < 0 || n.toc+entry*n.nkeys > n.tocEnd {
		return nil, fmt.Errorf("%s B-tree node at block %d: %d entries do not fit its table of contents", t.name, addr, n.nkeys)
	}
	if n.level >= maxTreeDepth {
		return nil, fmt.Errorf("%s B-tree node at block %d: level %d", t.name, addr, n.level)
	}
	if t.cache != nil {
		t.cache.put(addr, n)
	}
	return n, nil
}

// entry returns key and value i of n; a value of an invalid offset
// (a deleted entry) is nil.
func (t *btree) entry(n *node, i int) (key, val []byte, err error) {
	var ko, kl, vo, vl int
	leaf := n.flags&btnodeLeaf != 0
	if n.flags&btnodeFixedKV != 0 {
		e := n.b[n.toc+4*i:]
		ko, vo = int(le.Uint16(e)), int(le.Uint16(e[2:]))
		kl, vl = t.keySize, t.valSize
		if !leaf {
			vl = 8
		}
	} else {
		e := n.b[n.toc+8*i:]
		ko, kl, vo, vl = int(le.Uint16(e)), int(le.Uint16(e[2:])), int(le.Uint16(e[4:])), int(le.Uint16(e[6:]))
	}
	if n.keys+ko+kl > n.valEnd {
		return nil, nil, fmt.Errorf("%s B-tree node at block %d: key %d (%d bytes at %d) overruns the node", t.name, n.addr, i, kl, ko)
	}
	key = n.b[n.keys+ko : n.keys+ko+kl]
	if vo == invalidOff {
		return key, nil, nil
	}
	if vo > n.valEnd-n.keys || vl > vo {
		return nil, nil, fmt.Errorf("%s B-tree node at block %d: value %d (%d bytes at %d from the end) overruns the node", t.name, n.addr, i, vl, vo)
	}
	return key, n.b[n.valEnd-vo : n.valEnd-vo+vl], nil
}

// child returns the id a non-leaf entry's value points to.
func child(val []byte) (uint64, bool) {
	if len(val) < 8 {
		return 0, false
	}
	return le.Uint64(val), true
}

// walk calls fn for every leaf entry in key order. Each node is read at
// most once: a child that points back to a node already read, a level
// that does not go down by one, or a tree deeper than maxTreeDepth ends
// the walk with an error naming the node.
func (t *btree) walk(ctx context.Context, fn func(key, val []byte) error) error {
	seen := map[uint64]bool{}
	var visit func(oid uint64, wantLevel int) error
	visit = func(oid uint64, wantLevel int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if seen[oid] {
			return fmt.Errorf("%s B-tree node %d: %w", t.name, oid, errLoop)
		}
		seen[oid] = true
		if uint64(len(seen)) > t.c.blockCount {
			return fmt.Errorf("%s B-tree: more nodes than the container has blocks", t.name)
		}
		n, err := t.readNode(oid)
		if err != nil {
			return err
		}
		if wantLevel >= 0 && int(n.level) != wantLevel {
			return fmt.Errorf("%s B-tree node %d: level %d under a node of level %d", t.name, oid, n.level, wantLevel+1)
		}
		leaf := n.flags&btnodeLeaf != 0
		if leaf != (n.level == 0) {
			return fmt.Errorf("%s B-tree node %d: leaf flag and level %d disagree", t.name, oid, n.level)
		}
		for i := range n.nkeys {
			key, val, err := t.entry(n, i)
			if err != nil {
				return err
			}
			if val == nil {
				continue
			}
			if leaf {
				if err := fn(key, val); err != nil {
					return err
				}
				continue
			}
			c, ok := child(val)
			if !ok {
				return fmt.Errorf("%s B-tree node %d: child pointer %d of %d bytes", t.name, oid, i, len(val))
			}
			if err := visit(c, int(n.level)-1); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(t.root, -1)
}

// find descends to the last leaf entry whose key is not above the one
// cmp describes (cmp returns <0, 0, >0 as a key sorts before, equal to
// or after the wanted one) and returns it; found is false when every key
// sorts after it.
func (t *btree) find(cmp func(key []byte) int) (key, val []byte, found bool, err error) {
	oid := t.root
	for depth := 0; depth <= maxTreeDepth; depth++ {
		n, err := t.readNode(oid)
		if err != nil {
			return nil, nil, false, err
		}
		best := -1
		var bk, bv []byte
		for i := range n.nkeys {
			k, v, err := t.entry(n, i)
			if err != nil {
				return nil, nil, false, err
			}
			if v == nil {
				continue
			}
			if cmp(k) > 0 {
				break
			}
			best, bk, bv = i, k, v
		}
		if best < 0 {
			return nil, nil, false, nil
		}
		if n.flags&btnodeLeaf != 0 {
			return bk, bv, true, nil
		}
		c, ok := child(bv)
		if !ok {
			return nil, nil, false, fmt.Errorf("%s B-tree node %d: child pointer of %d bytes", t.name, oid, len(bv))
		}
		if n.level == 0 {
			return nil, nil, false, fmt.Errorf("%s B-tree node %d: index node at level 0", t.name, oid)
		}
		oid = c
	}
	return nil, nil, false, fmt.Errorf("%s B-tree: deeper than %d levels (a loop?)", t.name, maxTreeDepth)
}
