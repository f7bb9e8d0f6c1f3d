package tfjs

import "sync"

// arena recycles one run's intermediate buffers: a buffer goes back to the
// free list when the last value holding it (a Reshape or Identity shares
// its input's) is dropped. Models keep arenas in a sync.Pool, so a steady
// stream of pictures allocates almost nothing and the GC stays quiet.
type arena struct {
	free  map[int][][]float32
	refs  map[*float32]int
	owned map[*float32]bool
}

func newArena() *arena {
	return &arena{free: map[int][][]float32{}, refs: map[*float32]int{}, owned: map[*float32]bool{}}
}

// arenaPool hands out arenas; the zero value is ready.
type arenaPool struct{ p sync.Pool }

func (p *arenaPool) get() *arena {
	if a, ok := p.p.Get().(*arena); ok {
		return a
	}
	return newArena()
}

// put keeps only the free buffers: values still held (the outputs) belong
// to the caller now.
func (p *arenaPool) put(a *arena) {
	clear(a.refs)
	clear(a.owned)
	p.p.Put(a)
}

// floats returns n floats, zeroed when zero is set (callers that write
// every element ask for none).
func (a *arena) floats(n int, zero bool) []float32 {
	if a == nil || n == 0 {
		return make([]float32, n)
	}
	if l := a.free[n]; len(l) > 0 {
		b := l[len(l)-1]
		a.free[n] = l[:len(l)-1]
		if zero {
			clear(b)
		}
		a.owned[&b[0]] = true
		return b
	}
	b := make([]float32, n)
	a.owned[&b[0]] = true
	return b
}

func (a *arena) tensor(zero bool, shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), F: a.floats(numElements(shape), zero)}
}

// done recycles a buffer from floats at once (im2col scratch, or a value
// whose last holder let go).
func (a *arena) done(b []float32) {
	if a == nil || len(b) == 0 || !a.owned[&b[0]] {
		return
	}
	delete(a.owned, &b[0])
	a.free[len(b)] = append(a.free[len(b)], b)
}

func (a *arena) hold(t *Tensor) {
	if a != nil && t != nil && len(t.F) > 0 {
		a.refs[&t.F[0]]++
	}
}

func (a *arena) release(t *Tensor) {
	if a == nil || t == nil || len(t.F) == 0 {
		return
	}
	p := &t.F[0]
	if a.refs[p]--; a.refs[p] > 0 {
		return
	}
	delete(a.refs, p)
	if a.owned[p] {
		a.done(t.F)
	}
}
