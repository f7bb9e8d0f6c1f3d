package hfsplus

import (
	"context"
	"encoding/binary"
	"fmt"
)

// B-tree node kinds (TN1150 "Node Structure").
const (
	leafNode   = -1
	headerNode = 1
)

// btree is one of the volume's B-tree files, read node by node.
type btree struct {
	name       string
	fork       *forkReader
	nodeSize   int64
	totalNodes uint32
	firstLeaf  uint32
}

// openTree reads a B-tree's header node. fileID names the special file
// (3 extents, 4 catalog, 8 attributes) for its overflow extents.
func (v *FS) openTree(name string, fileID uint32, f forkData, overflow bool) (*btree, error) {
	saved := v.overflow
	if !overflow {
		v.overflow = nil // the extents file cannot overflow into itself
	}
	fr, err := v.fork(fileID, dataFork, f)
	v.overflow = saved
	if err != nil {
		return nil, fmt.Errorf("%s B-tree file: %w", name, err)
	}
	t := &btree{name: name, fork: fr}
	if fr.size == 0 {
		return t, nil
	}
	head := make([]byte, 14+106)
	if _, err := fr.ReadAt(head, 0); err != nil {
		return nil, fmt.Errorf("%s B-tree header node: %w", name, err)
	}
	if int8(head[8]) != headerNode {
		return nil, fmt.Errorf("%s B-tree: node 0 is of kind %d, not a header node", name, int8(head[8]))
	}
	be := binary.BigEndian
	rec := head[14:]
	t.firstLeaf = be.Uint32(rec[10:])
	t.nodeSize = int64(be.Uint16(rec[18:]))
	t.totalNodes = be.Uint32(rec[22:])
	if t.nodeSize < 512 || t.nodeSize > 32768 || t.nodeSize&(t.nodeSize-1) != 0 {
		return nil, fmt.Errorf("%s B-tree: node size %d is not a power of two from 512 to 32768", name, t.nodeSize)
	}
	if int64(t.totalNodes) > fr.size/t.nodeSize {
		return nil, fmt.Errorf("%s B-tree: %d nodes of %d bytes do not fit its %d-byte file", name, t.totalNodes, t.nodeSize, fr.size)
	}
	return t, nil
}

// eachLeafRecord calls fn with the key and data of every leaf record, in
// key order, following the leaf list; a loop or a broken node ends the
// walk with an error naming the node.
func (t *btree) eachLeafRecord(ctx context.Context, fn func(key, data []byte) error) error {
	if t.fork.size == 0 || t.firstLeaf == 0 {
		return nil
	}
	seen := make([]bool, t.totalNodes)
	node := make([]byte, t.nodeSize)
	be := binary.BigEndian
	for n := t.firstLeaf; n != 0; n = be.Uint32(node) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n >= t.totalNodes {
			return fmt.Errorf("%s B-tree: leaf link to node %d of %d", t.name, n, t.totalNodes)
		}
		if seen[n] {
			return fmt.Errorf("%s B-tree: node %d: %w", t.name, n, errLoop)
		}
		seen[n] = true
		if _, err := t.fork.ReadAt(node, int64(n)*t.nodeSize); err != nil {
			return fmt.Errorf("%s B-tree node %d: %w", t.name, n, err)
		}
		if int8(node[8]) != leafNode {
			return fmt.Errorf("%s B-tree: node %d on the leaf list is of kind %d", t.name, n, int8(node[8]))
		}
		count := int64(be.Uint16(node[10:]))
		if 14+2*(count+1) > t.nodeSize {
			return fmt.Errorf("%s B-tree node %d: %d records do not fit", t.name, n, count)
		}
		offset := func(i int64) int64 { return int64(be.Uint16(node[t.nodeSize-2*(i+1):])) }
		for i := range count {
			start, end := offset(i), offset(i+1)
			if start < 14 || end > t.nodeSize-2*(count+1) || end < start+2 {
				return fmt.Errorf("%s B-tree node %d: record %d spans bytes %d–%d", t.name, n, i, start, end)
			}
			rec := node[start:end]
			klen := int64(be.Uint16(rec)) + 2
			if klen > int64(len(rec)) {
				return fmt.Errorf("%s B-tree node %d: record %d key of %d bytes overruns it", t.name, n, i, klen)
			}
			// Record data starts on an even offset.
			dataAt := klen + klen%2
			if dataAt > int64(len(rec)) {
				dataAt = int64(len(rec))
			}
			if err := fn(rec[2:klen], rec[dataAt:]); err != nil {
				return err
			}
		}
	}
	return nil
}
