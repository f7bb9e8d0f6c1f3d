package evidence

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"scrim/internal/uring"
)

// BatchReader reads the small files of a folder evidence whole, many in
// one system call: for each file an openat in its kept folder into a
// direct descriptor of an io_uring, a read of the whole file and a close,
// linked, and one io_uring_enter for up to BatchFiles files. On a tree of
// small files the four system calls per file cost more than hashing it.
//
// It only ever reports a file read in full, exactly as the walk sized it;
// everything else (a failed open, O_NOATIME refused on a file not ours, a
// file shrunk or grown, a retired folder) is left to Entry.Open, which
// records the same errors as ever. One BatchReader serves one goroutine.
type BatchReader struct {
	ring  *uring.Ring
	arena []byte // the batch's file contents, fixed size
	names []byte // the batch's NUL-terminated names
	items []batchItem
	held  []*openFolder // folders kept open for the batch
	// broken is the ring's failure: what it held may still complete, so
	// the ring and the arena are kept, unused, until Close.
	broken error
}

type batchItem struct {
	index          int // in the entries asked for
	name, buf      []byte
	open, read, cl int32
}

// BatchFiles is the most files read by one io_uring_enter: one batch of
// the walk's hand-off.
const BatchFiles = 64

// NoRingEnv, set to 1, makes NewBatchReader refuse, as a kernel without
// io_uring does: tests and examiners can compare both paths.
const NoRingEnv = "SCRIM_NO_IO_URING"

// NewBatchReader returns a reader whose contents buffer holds arenaBytes
// (files larger than what is left of it are not batched). It fails where
// io_uring is missing or refused (old kernel, io_uring_disabled, seccomp)
// or NoRingEnv says so: the caller then opens each file itself.
func NewBatchReader(arenaBytes int) (*BatchReader, error) {
	if v := os.Getenv(NoRingEnv); v != "" && v != "0" {
		return nil, fmt.Errorf("io_uring turned off by %s=%s", NoRingEnv, v)
	}
	r, err := uring.New(4*BatchFiles, BatchFiles)
	if err != nil {
		return nil, err
	}
	return &BatchReader{ring: r, arena: make([]byte, arenaBytes), items: make([]batchItem, 0, BatchFiles)}, nil
}

// Close releases the ring.
func (b *BatchReader) Close() error { return b.ring.Close() }

// Batchable tells whether e is a file of a folder evidence that Read may
// read whole: one found by a directory walk, of at most max bytes.
func Batchable(e *Entry, max int64) bool {
	return e.folder != nil && e.Err == nil && e.Size >= 0 && e.Size <= max
}

// Read reads whole the entries it can among es (Batchable ones, as many
// as fit the arena) and calls got(i, content) for each entry es[i] read in
// full; the content is valid until the next Read. Entries it does not
// report are to be opened as usual. An error says the ring failed: this
// Read and every later one report nothing more.
func (b *BatchReader) Read(es []*Entry, got func(i int, content []byte)) error {
	if b.broken != nil {
		return nil // the caller heard of it and opens each file itself
	}
	arena := b.arena // what earlier rounds read stays valid: not reused
	for start := 0; start < len(es); {
		n, err := b.readSome(es, start, &arena, got)
		if err != nil {
			b.broken = err
			return err
		}
		start = n
	}
	return nil
}

// readSome queues from es[start:] up to BatchFiles files that fit the
// arena, runs them and returns where it stopped.
func (b *BatchReader) readSome(es []*Entry, start int, arenaLeft *[]byte, got func(int, []byte)) (int, error) {
	b.items, b.names, b.held = b.items[:0], b.names[:0], b.held[:0]
	arena := *arenaLeft
	defer func() { *arenaLeft = arena }()
	i := start
	for ; i < len(es) && len(b.items) < BatchFiles; i++ {
		e := es[i]
		if e.folder == nil || e.Err != nil || e.Size < 0 || e.Size > int64(len(arena)) {
			continue
		}
		if !b.hold(e.folder) {
			continue // retired: opened by its whole path, as ever
		}
		buf := arena[:e.Size:e.Size]
		arena = arena[e.Size:]
		b.names = append(append(b.names, e.name...), 0)
		b.items = append(b.items, batchItem{index: i, buf: buf})
	}
	// Names are cut once the arena of names stopped growing.
	off := 0
	for k := range b.items {
		e := es[b.items[k].index]
		b.items[k].name = b.names[off : off+len(e.name)+1]
		off += len(e.name) + 1
	}
	defer b.release()
	if len(b.items) == 0 {
		return i, nil
	}
	for k, it := range b.items {
		fd := es[it.index].folder.fd
		u := uint64(3 * k)
		// O_NONBLOCK: a file turned into a FIFO since the walk must not
		// hang the batch; it reads short and falls back.
		b.ring.OpenDirect(fd, it.name, unix.O_RDONLY|unix.O_NOATIME|unix.O_NONBLOCK, k, u)
		b.ring.ReadDirect(k, it.buf, 0, u+1)
		b.ring.CloseDirect(k, u+2)
	}
	want := 3 * len(b.items)
	if err := b.ring.Submit(want); err != nil {
		return i, fmt.Errorf("read %d small files through io_uring: %w", len(b.items), err)
	}
	reaped := b.ring.Reap(func(u uint64, res int32) {
		if k := int(u / 3); k < len(b.items) {
			switch u % 3 {
			case 0:
				b.items[k].open = res
			case 1:
				b.items[k].read = res
			default:
				b.items[k].cl = res
			}
		}
	})
	runtime.KeepAlive(b.names)
	if reaped != want {
		return i, fmt.Errorf("read %d small files through io_uring: %d completions, want %d", len(b.items), reaped, want)
	}
	for _, it := range b.items {
		if it.open == 0 && it.cl == 0 && int(it.read) == len(it.buf) {
			got(it.index, it.buf)
		}
	}
	return i, nil
}

// hold keeps f open for the batch, or says it is retired.
func (b *BatchReader) hold(f *openFolder) bool {
	for _, h := range b.held {
		if h == f {
			return true
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.retired {
		return false
	}
	f.users++
	b.held = append(b.held, f)
	return true
}

func (b *BatchReader) release() {
	for _, f := range b.held {
		f.mu.Lock()
		if f.users--; f.retired && f.users == 0 {
			f.dir.Close()
		}
		f.mu.Unlock()
	}
	clear(b.held)
	b.held = b.held[:0]
}
