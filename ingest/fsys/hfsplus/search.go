package hfsplus

import (
	"encoding/binary"
	"fmt"
)

const indexNode = 0

// find descends the B-tree from its root to the leaf record whose key
// cmp says equals the one sought (cmp returns <0, 0, >0 as the record's
// key sorts before, at or after it).
func (t *btree) find(cmp func(key []byte) int) (data []byte, found bool, err error) {
	if t == nil || t.fork.size == 0 {
		return nil, false, nil
	}
	head := make([]byte, 14+6)
	if _, err := t.fork.ReadAt(head, 0); err != nil {
		return nil, false, fmt.Errorf("%s B-tree header: %w", t.name, err)
	}
	be := binary.BigEndian
	n := be.Uint32(head[16:])
	node := make([]byte, t.nodeSize)
	for depth := 0; n != 0; depth++ {
		if depth > 16 || n >= t.totalNodes {
			return nil, false, fmt.Errorf("%s B-tree: descent reaches node %d at depth %d", t.name, n, depth)
		}
		if _, err := t.fork.ReadAt(node, int64(n)*t.nodeSize); err != nil {
			return nil, false, fmt.Errorf("%s B-tree node %d: %w", t.name, n, err)
		}
		kind := int8(node[8])
		count := int64(be.Uint16(node[10:]))
		if 14+2*(count+1) > t.nodeSize {
			return nil, false, fmt.Errorf("%s B-tree node %d: %d records do not fit", t.name, n, count)
		}
		var child uint32
		for i := range count {
			start, end := int64(be.Uint16(node[t.nodeSize-2*(i+1):])), int64(be.Uint16(node[t.nodeSize-2*(i+2):]))
			if start < 14 || end > t.nodeSize || end < start+2 {
				return nil, false, fmt.Errorf("%s B-tree node %d: record %d spans bytes %d–%d", t.name, n, i, start, end)
			}
			rec := node[start:end]
			klen := int64(be.Uint16(rec)) + 2
			if klen > int64(len(rec)) {
				return nil, false, fmt.Errorf("%s B-tree node %d: record %d key overruns it", t.name, n, i)
			}
			dataAt := min(klen+klen%2, int64(len(rec)))
			c := cmp(rec[2:klen])
			switch kind {
			case leafNode:
				if c == 0 {
					return append([]byte(nil), rec[dataAt:]...), true, nil
				}
			case indexNode:
				if c <= 0 && len(rec)-int(dataAt) >= 4 {
					child = be.Uint32(rec[dataAt:])
				}
			default:
				return nil, false, fmt.Errorf("%s B-tree: node %d of kind %d in a descent", t.name, n, kind)
			}
			if c > 0 {
				break
			}
		}
		if kind == leafNode {
			return nil, false, nil
		}
		n = child
	}
	return nil, false, nil
}
