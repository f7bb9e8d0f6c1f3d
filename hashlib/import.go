package hashlib

import (
	"bufio"
	"bytes"
	"container/heap"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"

	"scrim/store"
)

// DefaultMemory bounds the records an import holds before it sorts them
// and spills a run to disk.
const DefaultMemory = 128 << 20

// Each held record is counted twice: sortRecords needs a second buffer.

// Importer adds one set to the library: records are collected per
// algorithm in bounded memory, sorted and spilled into a temporary folder,
// merged into one run per algorithm, and made visible by one manifest
// rename at Commit. It holds the library's lock from Begin to Commit or
// Abort, so imports serialize.
type Importer struct {
	dir  string
	lk   *lock
	man  Manifest
	tmp  string
	id   uint32
	name string
	// replace: Commit puts the set in place of one of the same name
	// (BeginReplacing) instead of refusing the name at Begin.
	replace bool
	memory  int
	cats    []string
	catIdx  map[string]uint16
	// ncat is len(cats) for Add, which may run on another goroutine than
	// Category (one goroutine each; cats itself is read only at Commit).
	ncat   atomic.Int32
	chunks map[string]*chunk
	held   int // bytes held in chunks, index included
	spills map[string][]string
	sorted []byte        // sortRecords' output, shared by the algorithms
	count  *[1 << 16]int // sortRecords' buckets
	mapped [][]byte      // buffers from buffer, unmapped at Abort
}

type chunk struct {
	width int
	data  []byte
}

// Begin locks the library (waiting for an import or removal in progress),
// sweeps what a killed one left, and starts importing set name. memory <=
// 0 means DefaultMemory.
func Begin(dir, name string, memory int) (*Importer, error) {
	return begin(dir, name, memory, false)
}

// BeginReplacing is Begin for a set that takes the place of the set of the
// same name, if there is one, when it is committed: a case's own sets are
// imported again under their name to bring them up to date. Until Commit
// readers see the old set; after it, the new one.
func BeginReplacing(dir, name string, memory int) (*Importer, error) {
	return begin(dir, name, memory, true)
}

func begin(dir, name string, memory int, replace bool) (*Importer, error) {
	if name == "" {
		return nil, fmt.Errorf("hash library: a set needs a name")
	}
	if memory <= 0 {
		memory = DefaultMemory
	}
	k, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	im := &Importer{dir: dir, lk: k, name: name, replace: replace, memory: memory, catIdx: map[string]uint16{},
		chunks: map[string]*chunk{}, spills: map[string][]string{}}
	fail := func(err error) (*Importer, error) { k.unlock(); return nil, err }
	if im.man, err = readManifest(dir); err != nil {
		return fail(err)
	}
	if err := sweep(dir, im.man); err != nil {
		return fail(err)
	}
	for _, s := range im.man.Sets {
		if s.HashSet.Name == name && !replace {
			return fail(fmt.Errorf("hash library %s already holds a set named %q (imported %s): remove it first (scrim hashset remove --library %s) or give another --name",
				dir, name, s.HashSet.ImportedAt.Format("2006-01-02 15:04"), name))
		}
	}
	im.id = im.man.NextID
	if im.id == 0 {
		im.id = 1
	}
	if im.tmp, err = os.MkdirTemp(dir, "tmp-"); err != nil {
		return fail(fmt.Errorf("hash library %s: %w", dir, err))
	}
	return im, nil
}

// Category returns the index of a scheme code in the set's table.
func (im *Importer) Category(code string) (uint16, error) {
	if i, ok := im.catIdx[code]; ok {
		return i, nil
	}
	if len(im.cats) >= maxCategories {
		return 0, fmt.Errorf("hash library: set %s has more than %d categories", im.name, maxCategories)
	}
	i := uint16(len(im.cats))
	im.cats = append(im.cats, code)
	im.catIdx[code] = i
	im.ncat.Store(int32(len(im.cats)))
	return i, nil
}

// buffer returns an empty buffer of capacity n in anonymous memory: the
// kernel hands out zero pages as they are first written, where a Go
// allocation of the whole budget would be cleared (and made resident) at
// once.
func (im *Importer) buffer(n int) ([]byte, error) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("hash library: %d bytes of sort memory: %w", n, err)
	}
	im.mapped = append(im.mapped, b)
	return b[:0], nil
}

// Relabel rewrites the set's category table (the importer may have been
// given source codes that are mapped only once the whole file was read).
func (im *Importer) Relabel(fn func(string) (string, error)) error {
	for i, c := range im.cats {
		to, err := fn(c)
		if err != nil {
			return err
		}
		im.cats[i] = to
	}
	return nil
}

// Add holds one record; digest is raw bytes of algo's length.
func (im *Importer) Add(algo string, digest []byte, cat uint16) error {
	size, ok := algoLen[algo]
	if !ok || len(digest) != size {
		return fmt.Errorf("hash library: %d-byte digest is not %s", len(digest), algo)
	}
	if int32(cat) >= im.ncat.Load() {
		return fmt.Errorf("hash library: category index %d not from Category", cat)
	}
	c := im.chunks[algo]
	if c == nil {
		// Room for the whole budget up front: growing by append would copy
		// the chunk over and over. Untouched capacity costs no memory.
		w := size + recTail
		buf, err := im.buffer((im.memory/(2*w) + 1) * w)
		if err != nil {
			return err
		}
		c = &chunk{width: w, data: buf}
		im.chunks[algo] = c
	}
	c.data = append(c.data, digest...)
	c.data = binary.BigEndian.AppendUint32(c.data, im.id)
	c.data = binary.BigEndian.AppendUint16(c.data, cat)
	im.held += 2 * c.width
	if im.held < im.memory {
		return nil
	}
	return im.spillAll()
}

// spillAll sorts and writes every chunk held to the temporary folder.
func (im *Importer) spillAll() error {
	for _, algo := range Algos {
		c := im.chunks[algo]
		if c == nil || len(c.data) == 0 {
			continue
		}
		path := filepath.Join(im.tmp, fmt.Sprintf("%s-%d", algo, len(im.spills[algo])))
		if _, err := im.writeSorted(path, c, false); err != nil {
			return err
		}
		im.spills[algo] = append(im.spills[algo], path)
		c.data = c.data[:0]
	}
	im.held = 0
	return nil
}

// writeSorted sorts a chunk and writes it without duplicates, with a run
// header when final.
func (im *Importer) writeSorted(path string, c *chunk, final bool) (int64, error) {
	w := c.width
	if cap(im.sorted) < len(c.data) {
		buf, err := im.buffer(max(len(c.data), im.memory/2+w))
		if err != nil {
			return 0, err
		}
		im.sorted = buf
	}
	if im.count == nil {
		im.count = new([1 << 16]int)
	}
	sorted := im.sorted[:len(c.data)]
	sortRecords(c.data, sorted, w, im.count)
	out, err := newRunWriter(path, w, final, im.id)
	if err != nil {
		return 0, err
	}
	for off := 0; off < len(sorted); off += w {
		if err := out.add(sorted[off : off+w]); err != nil {
			out.abort()
			return 0, err
		}
	}
	return out.finish()
}

// Commit writes the set's runs and publishes the set with its provenance.
// scheme is the category scheme its codes belong to.
func (im *Importer) Commit(scheme string, hs store.HashSet) (Set, error) {
	defer im.Abort()
	set := Set{ID: im.id, Scheme: scheme, Categories: im.cats, HashSet: hs}
	if set.Categories == nil {
		set.Categories = []string{}
	}
	for _, algo := range Algos {
		c := im.chunks[algo]
		held := c != nil && len(c.data) > 0
		if !held && len(im.spills[algo]) == 0 {
			continue
		}
		var suffix [4]byte
		rand.Read(suffix[:])
		name := fmt.Sprintf("run-%d-%s-%s.bin", im.id, algo, hex.EncodeToString(suffix[:]))
		tmp := filepath.Join(im.tmp, name)
		var n int64
		var err error
		if len(im.spills[algo]) == 0 {
			n, err = im.writeSorted(tmp, c, true)
		} else {
			if held {
				if err := im.spillAll(); err != nil {
					return set, err
				}
			}
			n, err = merge(tmp, im.spills[algo], algoLen[algo]+recTail, im.id)
		}
		if err != nil {
			return set, err
		}
		if err := os.Rename(tmp, filepath.Join(im.dir, name)); err != nil {
			return set, fmt.Errorf("hash library %s: %w", im.dir, err)
		}
		set.Runs = append(set.Runs, RunFile{File: name, Algo: algo, Records: n})
	}
	if err := syncDir(im.dir); err != nil {
		return set, err
	}
	m := im.man
	m.Format = manifestFormat
	m.NextID = im.id + 1
	m.Sets = slices.Clip(m.Sets)
	if im.replace {
		m.Sets = slices.DeleteFunc(slices.Clone(m.Sets), func(s Set) bool { return s.HashSet.Name == im.name })
	}
	m.Sets = append(m.Sets, set)
	if err := writeManifest(im.dir, m); err != nil {
		return set, err
	}
	im.man = m
	return set, nil
}

// Abort drops everything not committed and releases the lock; after
// Commit it only releases the lock.
func (im *Importer) Abort() {
	if im.lk == nil {
		return
	}
	os.RemoveAll(im.tmp)
	sweep(im.dir, im.man) // runs renamed in before a failed Commit
	im.lk.unlock()
	im.lk = nil
	im.chunks = nil
	im.sorted = nil
	for _, b := range im.mapped {
		syscall.Munmap(b)
	}
	im.mapped = nil
}

// runWriter writes sorted records, dropping exact duplicates.
type runWriter struct {
	f     *os.File
	bw    *bufio.Writer
	prev  []byte
	n     int64
	final bool
	width int
	set   uint32
}

func newRunWriter(path string, width int, final bool, set uint32) (*runWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("hash library: %w", err)
	}
	w := &runWriter{f: f, bw: bufio.NewWriterSize(f, 1<<20), final: final, width: width, set: set, prev: make([]byte, 0, width)}
	if final { // the count is filled in at finish
		if _, err := w.bw.Write(make([]byte, runHeaderSize)); err != nil {
			w.abort()
			return nil, err
		}
	}
	return w, nil
}

func (w *runWriter) add(rec []byte) error {
	if w.n > 0 && bytes.Equal(rec, w.prev) {
		return nil
	}
	w.prev = append(w.prev[:0], rec...)
	w.n++
	if _, err := w.bw.Write(rec); err != nil {
		return fmt.Errorf("hash library: write %s: %w", w.f.Name(), err)
	}
	return nil
}

func (w *runWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func (w *runWriter) finish() (int64, error) {
	err := w.bw.Flush()
	if err == nil && w.final {
		h := runHeader{digestLen: w.width - recTail, set: w.set, count: w.n}
		if _, err = w.f.WriteAt(h.encode(), 0); err == nil {
			err = w.f.Sync()
		}
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(w.f.Name())
		return 0, fmt.Errorf("hash library: write %s: %w", w.f.Name(), err)
	}
	return w.n, nil
}

// merge k-way merges sorted spill files into one final run.
func merge(path string, spills []string, width int, set uint32) (int64, error) {
	h := &mergeHeap{}
	defer func() {
		for _, s := range h.srcs {
			s.f.Close()
		}
	}()
	for _, p := range spills {
		f, err := os.Open(p)
		if err != nil {
			return 0, fmt.Errorf("hash library: %w", err)
		}
		s := &mergeSrc{f: f, r: bufio.NewReaderSize(f, 1<<20), rec: make([]byte, width)}
		ok, err := s.next()
		if err != nil {
			f.Close()
			return 0, err
		}
		if !ok {
			f.Close()
			continue
		}
		h.srcs = append(h.srcs, s)
	}
	heap.Init(h)
	out, err := newRunWriter(path, width, true, set)
	if err != nil {
		return 0, err
	}
	for h.Len() > 0 {
		s := h.srcs[0]
		if err := out.add(s.rec); err != nil {
			out.abort()
			return 0, err
		}
		ok, err := s.next()
		if err != nil {
			out.abort()
			return 0, err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			s.f.Close()
			heap.Pop(h)
		}
	}
	return out.finish()
}

type mergeSrc struct {
	f   *os.File
	r   *bufio.Reader
	rec []byte
}

func (s *mergeSrc) next() (bool, error) {
	_, err := io.ReadFull(s.r, s.rec)
	switch err {
	case nil:
		return true, nil
	case io.EOF:
		return false, nil
	}
	return false, fmt.Errorf("hash library: read spill %s: %w", s.f.Name(), err)
}

type mergeHeap struct{ srcs []*mergeSrc }

func (h *mergeHeap) Len() int           { return len(h.srcs) }
func (h *mergeHeap) Less(i, j int) bool { return bytes.Compare(h.srcs[i].rec, h.srcs[j].rec) < 0 }
func (h *mergeHeap) Swap(i, j int)      { h.srcs[i], h.srcs[j] = h.srcs[j], h.srcs[i] }
func (h *mergeHeap) Push(x any)         { h.srcs = append(h.srcs, x.(*mergeSrc)) }
func (h *mergeHeap) Pop() any {
	x := h.srcs[len(h.srcs)-1]
	h.srcs = h.srcs[:len(h.srcs)-1]
	return x
}
