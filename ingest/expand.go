package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/ingest/filetype"
	"scrim/store"
)

// Members up to this size are held in memory while they are hashed and,
// when they are containers themselves, walked; larger ones go to the
// worker's file in the private temporary directory. With the default depth
// of 8 a worker holds at most 8 such buffers.
const memberMemMax = 8 << 20

// hiddenMax bounds the files of other types searched for hidden pictures:
// a picture appended to a document or an executable sits in files of
// ordinary size, and the search reads the file a second time.
const hiddenMax = 256 << 20

// expansion is what a job carries when it is a member of another file.
type expansion struct {
	depth     int            // 0 for the evidence's own files
	budget    *expand.Budget // the top-level file's, shared by all its members
	ancestors []string       // SHA-256 of the files holding this one, outermost first
	noHidden  bool           // a carved picture is not searched again
	mem       []byte         // the member's bytes when held in memory
	// folder is the archive this member lies in: a disk image finds the
	// members beside it there (an E01's further segments).
	folder *evidence.ArchiveFolder
}

// runNotes collects the named warnings a run learns while expanding, once
// each; they are recorded on the evidence at the end like the walk notes.
type runNotes struct {
	mu    sync.Mutex
	notes []string
}

func (n *runNotes) add(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !slices.Contains(n.notes, s) && len(n.notes) < 10000 {
		n.notes = append(n.notes, s)
	}
}

func (n *runNotes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.notes...)
}

// expandLimits is the run's expansion limits, nil when expansion is off.
func (in *Ingester) expandLimits() *expand.Limits {
	if in.opt.Expand.MaxDepth < 0 {
		return nil
	}
	l := in.opt.Expand.WithDefaults()
	return &l
}

// expandMembers walks the members of the file just analysed when it is a
// container (or, for files of other types, the pictures hidden in it) and
// emits each as an embedded occurrence, recursively. The parent's own
// record is emitted by the caller after this returns, so a run killed
// midway redoes the whole container: the parent's record is the proof its
// members are all recorded.
func (w *worker) expandMembers(j job, parent store.Occurrence, media store.Media, head []byte, emit func(result)) error {
	lim := w.in.expandLimits()
	if lim == nil || w.ctx.Err() != nil {
		return nil
	}
	f := w.format // analyse's, before a disk's walk analyses its files
	if handled, err := w.expandDisk(j, parent, media, head, lim, emit); handled {
		return err
	}
	hidden := f == nil && !j.exp.noHidden && media.Kind == string(filetype.Other) && media.Type != "empty" &&
		media.Size > 0 && media.Size <= hiddenMax && w.hidden.mayHide()
	if f == nil && !hidden {
		return nil
	}
	return w.expandContainer(j, parent, media, f, hidden, lim, emit)
}

// expandContainer walks the members of the file of j, a container of
// format f or a file hiding pictures, apart from expandMembers: its
// closures would put every file's occurrence on the heap.
func (w *worker) expandContainer(j job, parent store.Occurrence, media store.Media, f expand.Format, hidden bool, lim *expand.Limits, emit func(result)) error {
	if slices.Contains(j.exp.ancestors, media.SHA256) {
		w.notes.add(fmt.Sprintf("expansion: %s contains itself; not expanded again", parent.Path))
		return nil
	}
	if j.exp.depth >= lim.MaxDepth {
		if f != nil {
			w.notes.add(fmt.Sprintf("expansion depth limit (%d) hit at %s: not expanded", lim.MaxDepth, parent.Path))
		}
		return nil
	}
	budget := j.exp.budget
	if budget == nil {
		budget = expand.NewBudget(*lim)
	}
	var c io.ReaderAt
	if j.exp.depth == 0 && w.wholeOK {
		c = bytes.NewReader(w.whole) // read whole by analyse: no second open
	} else {
		rc, err := j.entry.Open()
		if err != nil {
			w.notes.add(fmt.Sprintf("expansion: %s: reopen: %v", parent.Path, err))
			return nil
		}
		defer rc.Close()
		c = rc
	}
	if j.exp.depth == 0 && !hidden {
		tracked := w.in.trackExpansion(c, media.Size)
		defer tracked.finish()
		c = tracked
	}
	parentKey := store.OccurrenceKey(parent)
	container := evidence.ContainerName(parent.Member)
	if !parent.Embedded {
		container = path.Base(parent.Path)
	}
	child := expansion{depth: j.exp.depth + 1, budget: budget, ancestors: append(slices.Clip(j.exp.ancestors), media.SHA256)}
	name := "hidden pictures"
	if hidden {
		child.noHidden = true
		f = w.hidden.format()
	} else {
		name = f.Name()
		child.folder = evidence.NewArchiveFolder(w.ctx, f, c, media.Size, container, w.tmpDir, budget.Reader)
	}
	// Members that open on their own go to idle workers; this walk
	// waits for them, so the container's record still follows them all.
	var group memberGroup
	lendable := !hidden && membersOpenAlone(f) && w.pool != nil
	if lendable {
		c = sharedReaderAt(c)
	}
	// Members of one stream (a TAR) are read here, in order, and the
	// small ones handed with their bytes to a worker waiting for work.
	streamed := !hidden && !lendable && membersFromStream(f) && w.pool != nil
	err := expand.WalkNamed(w.ctx, f, c, media.Size, container, func(m expand.Member) error {
		if err := group.failed(); err != nil {
			return err
		}
		if lendable && m.Err == nil && w.pool.lend(memberTask{parent, parentKey, c, m, child, emit, &group, nil}) {
			w.in.membersLent.Add(1)
			return nil
		}
		if streamed && m.Err == nil && m.Size >= 0 && m.Size <= lendBytesMax && w.pool.waiting() {
			return w.lendRead(memberTask{parent, parentKey, c, m, child, emit, &group, nil})
		}
		return w.member(parent, parentKey, c, m, child, emit)
	})
	group.wg.Wait()
	if err == nil {
		err = group.failed()
	}
	if err == nil || w.ctx.Err() != nil {
		return nil
	}
	if le, ok := expand.IsLimit(err); ok {
		// Bytes and members are budgets of the top-level file: the walks
		// above this one stop too, and the top one says so.
		if j.exp.depth > 0 {
			return err
		}
		w.notes.add(fmt.Sprintf("expansion %s limit hit in %s: %s; the rest is not expanded", le.Name, parent.Path, le.Detail))
		return nil
	}
	w.notes.add(fmt.Sprintf("expansion: %s is damaged or unreadable as %s: %v", parent.Path, name, err))
	return nil
}

// member records one member: read in place from its container c when it
// is stored as is, else into memory or the worker's temporary file within
// the budget, analysed like any file, expanded in turn, and emitted after
// its own members.
func (w *worker) member(parent store.Occurrence, parentKey string, c io.ReaderAt, m expand.Member, exp expansion, emit func(result)) error {
	occ := store.Occurrence{Evidence: parent.Evidence, Volume: parent.Volume, VolumeOffset: parent.VolumeOffset,
		VolumeType: parent.VolumeType, FS: parent.FS, Path: parent.Path + store.ChainSeparator + m.Name,
		Embedded: true, Parent: parentKey, Member: m.Name, Offset: m.Offset, Size: max(m.Size, 0),
		Mtime: store.FormatTime(m.Mtime), DevicePath: memberDevicePath(parent, m), Deleted: m.Deleted}
	if m.Note != "" {
		w.notes.add(parent.Path + ": " + m.Note)
	}
	if err := exp.budget.Member(); err != nil {
		return err
	}
	if m.Err != nil {
		occ.Error = m.Err.Error()
		emit(result{rec: store.FileRecord{Occurrence: occ}})
		return nil
	}
	rc, err := m.Open()
	if err != nil {
		occ.Error = "open: " + err.Error()
		if errors.Is(err, expand.ErrEncrypted) {
			occ.Error = err.Error()
		}
		emit(result{rec: store.FileRecord{Occurrence: occ}})
		return nil
	}
	var ra io.ReaderAt
	var n int64
	done := func() {}
	if m.Offset > 0 && m.Size > memberMemMax && m.Packed == m.Size {
		// Stored as is (a stored ZIP member, a hidden picture) and too
		// large for memory: a section of the container, never a copy on
		// disk. (A stored ZIP member's CRC is then not checked; the
		// SHA-256 recorded is of the bytes as stored.)
		ra, n = io.NewSectionReader(c, m.Offset, m.Size), m.Size
	} else {
		ra, n, done, err = w.hold(exp.budget.Reader(rc, m.Packed), exp.depth)
	}
	rc.Close()
	if err != nil {
		occ.Error = "read: " + err.Error()
		emit(result{rec: store.FileRecord{Occurrence: occ}})
		if le, ok := expand.IsLimit(err); ok {
			if le.Name == "ratio" {
				w.notes.add(fmt.Sprintf("expansion ratio limit hit at %s: %s; not read", occ.Path, le.Detail))
				return nil
			}
			return err
		}
		return nil
	}
	defer done()
	occ.Size = n
	entry := evidence.Entry{Path: occ.Path, Size: n, Open: func() (evidence.Content, error) { return nopContent{ra}, nil }}
	r, err := w.process(job{entry: entry, occ: occ, exp: exp}, emit)
	if len(m.Expect) > 0 && r.rec.Occurrence.SHA256 != "" {
		w.checkExpected(r, m.Expect, ra, n)
	}
	if w.ctx.Err() == nil {
		emit(r)
	}
	return err
}

// hold reads a member whole: into a buffer of its depth when it is small,
// else into the worker's temporary file for that depth. done releases it.
func (w *worker) hold(r io.Reader, depth int) (io.ReaderAt, int64, func(), error) {
	for len(w.held) <= depth {
		w.held = append(w.held, nil)
	}
	buf := w.held[depth][:0]
	var err error
	buf, err = readUpTo(r, buf, memberMemMax+1)
	w.held[depth] = buf[:0]
	if err != nil {
		return nil, 0, nil, err
	}
	if len(buf) <= memberMemMax {
		return bytesReaderAt(buf), int64(len(buf)), func() {}, nil
	}
	if w.tmpDir == "" {
		return nil, 0, nil, fmt.Errorf("member larger than %d bytes and no temporary directory", memberMemMax)
	}
	name := filepath.Join(w.tmpDir, fmt.Sprintf("worker%d-member%d", w.id, depth))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("temporary copy: %w", err)
	}
	done := func() { f.Close(); os.Remove(name) }
	if _, err := f.Write(buf); err != nil {
		done()
		return nil, 0, nil, fmt.Errorf("temporary copy: %w", err)
	}
	n, err := io.Copy(f, ctxReader{w.ctx, r, new(atomic.Int64)})
	if err != nil {
		done()
		return nil, 0, nil, err
	}
	return f, int64(len(buf)) + n, done, nil
}

// readUpTo appends to buf from r until EOF or until buf holds limit bytes.
func readUpTo(r io.Reader, buf []byte, limit int) ([]byte, error) {
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 64<<10), limit-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type nopContent struct{ io.ReaderAt }

func (nopContent) Close() error { return nil }
