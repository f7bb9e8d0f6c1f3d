package picture

import "sync"

// budget is a FIFO weighted semaphore over bytes of decoded pixels. FIFO so a
// large picture is not starved by a stream of small ones.
type budget struct {
	mu      sync.Mutex
	cond    sync.Cond
	size    int64
	used    int64
	next    uint64 // ticket handed to the next caller
	serving uint64 // ticket allowed to take bytes now
}

func newBudget(size int64) *budget {
	b := &budget{size: size}
	b.cond.L = &b.mu
	return b
}

// acquire blocks until n bytes are free and takes them. The caller must have
// checked n <= b.size, or it would wait forever.
func (b *budget) acquire(n int64) {
	if n < 0 {
		n = 0
	}
	b.mu.Lock()
	t := b.next
	b.next++
	for t != b.serving || b.used+n > b.size {
		b.cond.Wait()
	}
	b.serving++
	b.used += n
	b.mu.Unlock()
	// The next ticket may fit too.
	b.cond.Broadcast()
}

func (b *budget) release(n int64) {
	if n < 0 {
		n = 0
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// inUse is the bytes currently taken; for tests.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}
