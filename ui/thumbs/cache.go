// Package thumbs turns stored thumbnails into what the grid may show
// (grayscale, blurred, small) off the UI goroutine, and keeps a bounded
// number of them: memory follows the tiles on screen, not the case size.
package thumbs

import (
	"container/list"
	"image"
	"sync"
	"sync/atomic"

	"scrim/ui/preview"
)

// Key is one rendering of one media.
type Key struct {
	SHA   [32]byte
	Level preview.Level
}

// Source reads the stored (unblurred) thumbnail of a media.
type Source func(sha [32]byte) ([]byte, error)

// Cache renders thumbnails on a few goroutines and keeps the most recently
// used ones.
type Cache struct {
	src     Source
	policy  preview.Policy
	onReady func(Key)

	mu      sync.Mutex
	max     int
	order   *list.List // front: most recent
	entries map[Key]*list.Element
	pending map[Key]bool
	queue   chan Key
	quit    chan struct{}
	wg      sync.WaitGroup

	hits, misses atomic.Int64
}

type entry struct {
	key Key
	img image.Image
	err error
}

// New starts a cache of at most capacity renderings with workers goroutines;
// onReady is called (from a worker) when a requested rendering is ready.
func New(src Source, policy preview.Policy, capacity, workers int, onReady func(Key)) *Cache {
	c := &Cache{src: src, policy: policy, onReady: onReady, max: capacity,
		order: list.New(), entries: map[Key]*list.Element{}, pending: map[Key]bool{},
		queue: make(chan Key, 4096), quit: make(chan struct{})}
	for range max(1, workers) {
		c.wg.Add(1)
		go c.work()
	}
	return c
}

// Close stops the workers.
func (c *Cache) Close() {
	close(c.quit)
	c.wg.Wait()
}

// Get returns the rendering if it is ready; otherwise it asks for it and
// returns nil (the caller shows a placeholder until onReady).
func (c *Cache) Get(k Key) (image.Image, error) {
	if img, err, ok := c.lookup(k); ok {
		return img, err
	}
	c.mu.Lock()
	if c.pending[k] {
		c.mu.Unlock()
		return nil, nil
	}
	c.pending[k] = true
	c.mu.Unlock()
	select {
	case c.queue <- k:
	default:
		// Scrolling fast: drop the request; the tile asks again when shown.
		c.mu.Lock()
		delete(c.pending, k)
		c.mu.Unlock()
	}
	return nil, nil
}

// Render returns a rendering now, from the cache or made on the caller's
// goroutine (for the one selected tile, which must not wait in line).
func (c *Cache) Render(k Key) (image.Image, error) {
	if img, err, ok := c.lookup(k); ok {
		return img, err
	}
	img, err := c.render(k)
	c.put(k, img, err)
	return img, err
}

// lookup answers from the cache and counts the hit or miss.
func (c *Cache) lookup(k Key) (image.Image, error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*entry)
		c.hits.Add(1)
		return e.img, e.err, true
	}
	c.misses.Add(1)
	return nil, nil, false
}

// Forget drops every rendering of a media: used when a reveal ends so the
// clearer picture does not linger in memory.
func (c *Cache) Forget(k Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		c.order.Remove(el)
		delete(c.entries, k)
	}
}

// HitRate is the share of lookups served from memory, and the lookups.
func (c *Cache) HitRate() (float64, int64) {
	h, m := c.hits.Load(), c.misses.Load()
	if h+m == 0 {
		return 0, 0
	}
	return float64(h) / float64(h+m), h + m
}

// Len is the number of renderings held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *Cache) work() {
	defer c.wg.Done()
	for {
		select {
		case <-c.quit:
			return
		case k := <-c.queue:
			img, err := c.render(k)
			c.put(k, img, err)
			c.mu.Lock()
			delete(c.pending, k)
			c.mu.Unlock()
			if c.onReady != nil {
				c.onReady(k)
			}
		}
	}
}

func (c *Cache) render(k Key) (image.Image, error) {
	data, err := c.src(k.SHA)
	if err != nil {
		return nil, err
	}
	return preview.Render(data, k.Level, c.policy)
}

func (c *Cache) put(k Key, img image.Image, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		el.Value.(*entry).img, el.Value.(*entry).err = img, err
		c.order.MoveToFront(el)
		return
	}
	c.entries[k] = c.order.PushFront(&entry{key: k, img: img, err: err})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.entries, old.Value.(*entry).key)
	}
}
