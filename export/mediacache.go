package export

import (
	"container/list"
	"fmt"

	"scrim/store"
)

type cachedMedia struct {
	media store.Media
	cat   store.Category
}

// mediaCache is a small LRU of media records keyed by SHA-256.
type mediaCache struct {
	st    *store.Store
	max   int
	order *list.List
	items map[string]*list.Element
}

type cacheEntry struct {
	sha string
	val cachedMedia
}

func newMediaCache(st *store.Store, max int) *mediaCache {
	return &mediaCache{st: st, max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *mediaCache) get(sha string) (cachedMedia, error) {
	if el, ok := c.items[sha]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cacheEntry).val, nil
	}
	m, ok, err := c.st.Media(sha)
	if err != nil {
		return cachedMedia{}, err
	}
	if !ok {
		return cachedMedia{}, fmt.Errorf("case is inconsistent: no media record for %s", sha)
	}
	cat, _, err := c.st.Category(sha)
	if err != nil {
		return cachedMedia{}, err
	}
	v := cachedMedia{media: m, cat: cat}
	c.items[sha] = c.order.PushFront(&cacheEntry{sha: sha, val: v})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).sha)
	}
	return v, nil
}
