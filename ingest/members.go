package ingest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"scrim/ingest/expand"
	"scrim/store"
)

// memberPool lends idle workers to a worker walking a container whose
// members open on their own (a ZIP: each from its central directory
// entry), so one large archive is hashed on every core instead of one.
// A member is only handed to a worker already waiting for work, never
// queued: the walker does it itself when none is free, so a walk never
// waits for a helper to become free and nested walks cannot deadlock.
//
// A TAR's members come from one stream in order: its walker reads each
// small one into a buffer of the pool and lends the bytes (lendRead), so
// at most one buffer per worker is out at a time.
type memberPool struct {
	tasks chan memberTask // unbuffered: a send succeeds only into a waiting worker
	idle  atomic.Int32    // workers waiting in run for a job or a member
	bufs  chan []byte     // member buffers given back by helpers, for reuse

	mu      sync.Mutex
	walking int           // workers still taking the evidence's own files
	done    chan struct{} // closed when none is: no walker is left to lend to
}

func newMemberPool(workers int) *memberPool {
	p := &memberPool{tasks: make(chan memberTask), bufs: make(chan []byte, max(workers, 1)),
		walking: workers, done: make(chan struct{})}
	if workers <= 0 {
		close(p.done)
	}
	return p
}

// leave says one worker has seen the last of the evidence's own files.
// Workers stay to help until every worker has: the last one may still be
// walking a large archive.
func (p *memberPool) leave() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.walking--; p.walking == 0 {
		close(p.done)
	}
}

// memberTask is one member handed to a helper: what worker.member needs,
// and the walk's group to report to.
type memberTask struct {
	parent    store.Occurrence
	parentKey string
	c         io.ReaderAt
	m         expand.Member
	exp       expansion
	emit      func(result)
	group     *memberGroup
	// held is the member's bytes, read by the walker from a stream
	// (m.Open reads them); given back to the pool once recorded.
	held []byte
}

// memberGroup is one container walk's members out on helpers: the walk
// waits for them before its container's own record is emitted, so that
// record still proves every member is recorded (kill and resume stay
// exact).
type memberGroup struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error // the first budget limit a helper hit: it stops the walk
}

func (g *memberGroup) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
	}
}

func (g *memberGroup) failed() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// lend hands t to a waiting worker and reports whether one took it.
func (p *memberPool) lend(t memberTask) bool {
	if p == nil {
		return false
	}
	t.group.wg.Add(1)
	select {
	case p.tasks <- t:
		return true
	default:
		t.group.wg.Done()
		return false
	}
}

// run takes the evidence's own files from jobs and, while waiting for
// them (or once they are all handed out), members lent by other workers;
// it returns when no worker is walking any more.
func (w *worker) run(jobs <-chan []job, send func(result), done func([]job)) {
	for {
		w.pool.idle.Add(1)
		select {
		case batch, ok := <-jobs:
			w.pool.idle.Add(-1)
			if !ok {
				jobs = nil // a nil channel is never ready: only help from now on
				w.pool.leave()
				continue
			}
			w.readBatch(batch)
			for k, j := range batch {
				w.pre, w.preOK = nil, false
				if k < len(w.readOK) && w.readOK[k] {
					w.pre, w.preOK, w.preMD5 = w.read[k], true, w.readMD5[k]
				}
				r, _ := w.process(j, send)
				send(r)
			}
			w.pre, w.preOK = nil, false
			clear(w.read)
			done(batch)
		case t := <-w.pool.tasks:
			w.pool.idle.Add(-1)
			w.help(t)
		case <-w.pool.done:
			w.pool.idle.Add(-1)
			return
		}
	}
}

// help records one lent member as its walker would have.
func (w *worker) help(t memberTask) {
	defer t.group.wg.Done()
	if t.held != nil {
		defer w.pool.giveBack(t.held)
	}
	defer func() {
		// As expand.WalkNamed does for the walker: a reader that trusts a
		// damaged header costs the container its expansion, not the run.
		if p := recover(); p != nil {
			t.group.fail(fmt.Errorf("damaged container: reader failed: %v", p))
		}
	}()
	if err := w.member(t.parent, t.parentKey, t.c, t.m, t.exp, t.emit); err != nil {
		t.group.fail(err)
	}
}

// lendBytesMax is the largest member of a stream read ahead to be lent:
// pictures and documents are smaller, and a larger member is better read
// by its walker straight from the stream than through a buffer.
const lendBytesMax = 1 << 20

// membersFromStream tells whether the members of a container of format f
// come from one stream in order, each small enough to be read ahead
// and lent by its bytes: a TAR's.
func membersFromStream(f expand.Format) bool {
	return f != nil && f.Name() == "tar"
}

// waiting tells whether some worker waits for work: only then is a
// streamed member worth reading ahead (a lend may still find none).
func (p *memberPool) waiting() bool { return p != nil && p.idle.Load() > 0 }

func (p *memberPool) buffer() []byte {
	select {
	case b := <-p.bufs:
		return b[:0]
	default:
		return nil
	}
}

func (p *memberPool) giveBack(b []byte) {
	if cap(b) > lendBytesMax+1 {
		return
	}
	select {
	case p.bufs <- b:
	default:
	}
}

// lendRead reads the streamed member t.m into a buffer of the pool and
// lends it with those bytes to a waiting worker, or records it here when
// none took it (or the read failed: the member then says so itself).
func (w *worker) lendRead(t memberTask) error {
	rc, err := t.m.Open()
	if err != nil {
		return w.member(t.parent, t.parentKey, t.c, t.m, t.exp, t.emit)
	}
	buf, err := readUpTo(rc, w.pool.buffer(), int(t.m.Size)+1)
	rc.Close()
	t.held = buf
	t.m.Open = func() (io.ReadCloser, error) {
		var r io.Reader = bytes.NewReader(buf)
		if err != nil {
			r = io.MultiReader(r, errReader{err})
		}
		return io.NopCloser(r), nil
	}
	if err == nil && w.pool.lend(t) {
		w.in.membersLent.Add(1)
		return nil
	}
	defer w.pool.giveBack(buf)
	return w.member(t.parent, t.parentKey, t.c, t.m, t.exp, t.emit)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// membersOpenAlone tells whether the members of a container of format f
// can be opened and read apart from the walk and from each other: a ZIP's
// can, from its central directory; a TAR's or a solid 7z's come from one
// stream in order.
func membersOpenAlone(f expand.Format) bool {
	return f != nil && f.Name() == "zip"
}

// sharedReaderAt returns r safe to read from several goroutines at once:
// as is when it reads without state (memory, a file by pread, a section of
// those), else behind a lock (a disk image's file system may cache).
func sharedReaderAt(r io.ReaderAt) io.ReaderAt {
	if statelessReads(r) {
		return r
	}
	return &lockedReaderAt{r: r}
}

func statelessReads(r io.ReaderAt) bool {
	switch r := r.(type) {
	case *bytes.Reader, bytesReaderAt, *os.File, *lockedReaderAt:
		return true
	case *io.SectionReader:
		outer, _, _ := r.Outer()
		return statelessReads(outer)
	case nopContent:
		return statelessReads(r.ReaderAt)
	case *expansionReader:
		return statelessReads(r.r)
	}
	return false
}

type lockedReaderAt struct {
	mu sync.Mutex
	r  io.ReaderAt
}

func (l *lockedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.ReadAt(p, off)
}
