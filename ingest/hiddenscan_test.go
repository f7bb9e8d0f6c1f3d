package ingest

import (
	"context"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"scrim/ingest/evidence"
)

// countingSource is a real evidence source whose entries count the bytes
// read from them.
type countingSource struct {
	evidence.Source
	mu   sync.Mutex
	read map[string]*atomic.Int64
}

type readCountingContent struct {
	evidence.Content
	n *atomic.Int64
}

func (c readCountingContent) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.Content.ReadAt(p, off)
	c.n.Add(int64(k))
	return k, err
}

func (s *countingSource) Walk(ctx context.Context, fn func(evidence.Entry) error) error {
	return s.Source.Walk(ctx, func(e evidence.Entry) error {
		s.mu.Lock()
		n := s.read[e.Path] // the progress bar's count walks too
		if n == nil {
			n = new(atomic.Int64)
			s.read[e.Path] = n
		}
		s.mu.Unlock()
		open := e.Open
		e.Open = func() (evidence.Content, error) {
			c, err := open()
			if err != nil {
				return nil, err
			}
			return readCountingContent{c, n}, nil
		}
		return fn(e)
	})
}

// TestHiddenSearchReadsOnce: a file of another type without a picture in
// it is read once, by the hashing, not a second time by the search for
// hidden pictures, even when it holds a JPEG signature that leads nowhere;
// a JPEG appended to random bytes is still found.
func TestHiddenSearchReadsOnce(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "evidence")
	noise := make([]byte, 3<<20)
	rand.NewChaCha8([32]byte{5}).Read(noise)
	write(t, filepath.Join(ev, "noise.bin"), noise)
	decoy := append(append(noise[:1<<20:1<<20], "\xff\xd8\xff\xe0\x00\x10JFIF\x00"...), noise[1<<20:]...)
	write(t, filepath.Join(ev, "decoy.bin"), decoy)
	pic := testJPEG(t, 4)
	write(t, filepath.Join(ev, "appended.bin"), append(noise[:1572:1572], pic...))

	real, err := evidence.Open(ev)
	if err != nil {
		t.Fatal(err)
	}
	src := &countingSource{Source: real, read: map[string]*atomic.Int64{}}
	st := openCase(t)
	id, err := EvidenceID(st, ev, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(st, Options{Workers: 2}).Ingest(context.Background(), src, id); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int{"/noise.bin": len(noise), "/decoy.bin": len(decoy)} {
		// One read for hashing and the hidden-picture watch; beyond it only
		// the nested-disk probe's few superblock reads (bounded, not a
		// second pass over the file).
		if n := src.read[name].Load(); n > int64(size)+512<<10 {
			t.Errorf("%s: %d bytes read for %d", name, n, size)
		}
	}
	o, ok := occurrencesByPath(t, st)["/appended.bin » carved@1572.jpeg"]
	if !ok || o.SHA256 != sha(pic) {
		t.Errorf("appended JPEG: %+v", o)
	}
}

var _ io.ReaderAt = readCountingContent{}
