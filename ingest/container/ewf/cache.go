package ewf

import (
	"container/list"
	"sync"
)

const (
	// chunkCacheBytes bounds the decompressed chunks kept for small random
	// reads (256 chunks of the usual 32 KiB).
	chunkCacheBytes = 8 << 20
	// tableCacheEntries bounds the loaded tables (16375 entries, 64 KiB
	// each at most in EnCase 6).
	tableCacheEntries = 32
)

// lru is a small least-recently-used map; the caller holds no lock.
type lru[V any] struct {
	mu    sync.Mutex
	limit int
	ll    *list.List
	items map[int64]*list.Element
}

type lruItem[V any] struct {
	key int64
	val V
}

func newLRU[V any](limit int) *lru[V] {
	return &lru[V]{limit: max(limit, 1), ll: list.New(), items: map[int64]*list.Element{}}
}

func (c *lru[V]) get(key int64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruItem[V]).val, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) put(key int64, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.Value.(*lruItem[V]).val = val
		c.ll.MoveToFront(e)
		return
	}
	c.items[key] = c.ll.PushFront(&lruItem[V]{key, val})
	for c.ll.Len() > c.limit {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*lruItem[V]).key)
	}
}

// chunkCache holds decompressed chunks by number; entries are never
// modified after insertion, so readers copy out of them without a lock.
type chunkCache = lru[[]byte]

func newChunkCache(budget, chunkSize int64) *chunkCache {
	return newLRU[[]byte](int(min(budget/max(chunkSize, 1), 1024)))
}

// tableCache holds loaded table entries by run index.
type tableCache = lru[[]uint32]

func newTableCache(n int) *tableCache { return newLRU[[]uint32](n) }
