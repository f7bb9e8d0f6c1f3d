package ingest

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"scrim/ingest/digest"
	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/ingest/filetype"
	"scrim/store"
)

type job struct {
	entry       evidence.Entry
	occ         store.Occurrence
	previousSHA string
	exp         expansion // set for members of other files
}

type result struct {
	rec       store.FileRecord
	bytesRead int64
}

// worker analyses one file at a time with buffers it reuses.
type worker struct {
	ctx    context.Context // the run's: cancelling it stops ffmpeg too
	in     *Ingester
	hasher *digest.Hasher
	head   []byte
	data   []byte // whole content of the current picture, reused
	// videoPath is this worker's temporary copy of the video it is
	// hashing ("" when videos are not analysed); videoCopied says it holds
	// the current file's bytes.
	videoPath   string
	videoCopied bool
	headLen     int // bytes of head read for the current file
	// format is the container format the current file's head shows
	// (expand.Detect), nil when none or expansion is off: the hidden
	// picture watch and the expansion both ask.
	format expand.Format
	// whole holds the current evidence file when it is small enough to be
	// read in one go (wholeOK): it is then sniffed, hashed and searched for
	// hidden pictures from memory, opened and read once.
	whole       []byte
	wholeOK     bool
	ownWhole    []byte           // w.whole's buffer when the file is read here
	wholeReader bytes.Reader     // reads whole
	section     io.SectionReader // the current file's bytes, for reader
	reader      ctxReader        // what the current file is hashed from
	// batch reads the small files of a batch of jobs in one system call
	// (nil: each is opened and read on its own); read[k] is job k's
	// content, when readOK[k], valid until the next batch, and readMD5[k]
	// its MD5. pre is the current job's, when preOK, and preMD5 its MD5.
	batch    *evidence.BatchReader
	read     [][]byte
	readOK   []bool
	readMD5  [][md5.Size]byte
	batchES  []*evidence.Entry // the entries given to batch, reused
	batchIdx []int             // their jobs' places in the batch
	pre      []byte
	preOK    bool
	preMD5   [md5.Size]byte
	// prefix holds the first bytes of the current evidence file when it is
	// too large to read whole and of no known type: the raw-disk probe
	// (expandDisk) reads there again, and finds them here instead.
	prefix prefixKeeper
	// Expansion: the run's notes, this worker's number and temporary
	// directory for large members, and the member buffers per depth.
	notes  *runNotes
	id     int
	tmpDir string
	held   [][]byte
	// hostRoot is the folder on the examiner's machine holding the
	// evidence's own files ("" for disk images): an E01 found there has
	// its further segments beside it.
	hostRoot string
	hidden   hiddenWatch // whether the file just read may hide pictures
	pool     *memberPool // idle workers to lend members to; nil: none
}

func newWorker(ctx context.Context, in *Ingester, notes *runNotes) *worker {
	return &worker{ctx: ctx, in: in, hasher: digest.NewHasher(), head: make([]byte, filetype.HeadSize), notes: notes}
}

func (w *worker) close() {
	w.hasher.Close()
	if w.batch != nil {
		w.batch.Close()
	}
}

// readBatch reads whole, at once, the small files of the evidence in
// batch that the batch reader can; the others are opened one by one by
// analyse, as without it.
func (w *worker) readBatch(batch []job) {
	w.read, w.readOK = w.read[:0], w.readOK[:0]
	if w.batch == nil {
		return
	}
	es, idx := w.batchES[:0], w.batchIdx[:0]
	defer func() {
		clear(es) // the jobs' entries may hold much: let them go
		w.batchES, w.batchIdx = es[:0], idx[:0]
	}()
	for k := range batch {
		w.read = append(w.read, nil)
		w.readOK = append(w.readOK, false)
		if j := &batch[k]; j.exp.depth == 0 && evidence.Batchable(&j.entry, wholeMax) {
			es = append(es, &j.entry)
			idx = append(idx, k)
		}
	}
	if len(es) == 0 {
		return
	}
	err := w.batch.Read(es, func(i int, content []byte) {
		w.read[idx[i]], w.readOK[idx[i]] = content, true
	})
	if err != nil {
		// The ring failed as a whole: what it reported stands, the rest
		// is read file by file, and so is every later batch.
		w.in.noteNoRing(err)
	}
	// The MD5s run eight files at a time (digest.MD5Many): MD5 was a
	// tenth of a small-file ingest's CPU, and one file at a time it
	// leaves the core's adders mostly idle. A file not read has a nil
	// content here, whose MD5 costs one block and is not used.
	w.readMD5 = slices.Grow(w.readMD5[:0], len(w.read))[:len(w.read)]
	digest.MD5Many(w.read, w.readMD5)
}

// process analyses one file and returns its record. The members of a
// container are emitted before it returns (see expandMembers); the error is
// a budget limit that must stop the walks of the containers above.
func (w *worker) process(j job, emit func(result)) (result, error) {
	r := result{rec: store.FileRecord{Occurrence: j.occ, PreviousSHA256: j.previousSHA}}
	if j.entry.Err != nil {
		r.rec.Occurrence.Error = j.entry.Err.Error()
		return r, nil
	}
	media, thumb, n, err := w.analyse(j.entry, j.exp.depth == 0)
	if w.videoCopied {
		defer w.dropVideoCopy()
	}
	if j.exp.depth > 0 {
		// Members' bytes are not read from the evidence: they count
		// neither as read nor as in reading.
		w.in.bytesReading.Add(-n)
		n = 0
	}
	r.bytesRead = n
	if err != nil {
		r.rec.Occurrence.Error = err.Error()
		return r, nil
	}
	// head is the worker's own buffer, not a copy (a 4 KiB allocation per
	// file): expandMembers reads it before the first member is analysed,
	// which reuses the buffer, and never after.
	head := w.head[:w.headLen]
	r.rec.Occurrence.SHA256 = media.SHA256
	r.rec.Occurrence.Size = media.Size
	// Only pictures and videos cost analysis worth a lookup to spare; the
	// batch writes any media once, however often it is handed in.
	known := false
	if media.Kind == string(filetype.Picture) || media.Kind == string(filetype.Video) {
		if known, err = w.in.store.MediaKnown(media.SHA256); err != nil {
			r.rec.Occurrence.Error = err.Error()
			return r, nil
		}
	}
	if !known {
		if media.Kind == string(filetype.Picture) && media.Error == "" {
			w.fingerprint(&media, &thumb)
		}
		if media.Kind == string(filetype.Video) && media.Error == "" {
			w.analyseVideo(&media, &thumb)
			if err := w.ctx.Err(); err != nil {
				// Interrupted, not damaged: record the place as unread so
				// that a resumed run analyses the video again.
				r.rec.Occurrence.SHA256 = ""
				r.rec.Occurrence.Error = fmt.Sprintf("video analysis interrupted: %v", err)
				return r, nil
			}
		}
		r.rec.Media = &media
		r.rec.Thumb = thumb
	}
	return r, w.expandMembers(j, r.rec.Occurrence, media, head, emit)
}

// wholeMax is the size up to which an evidence file is read whole into the
// worker's buffer with one read: most files of a phone or a NAS are this
// small, and for them the system calls cost more than the hashing.
const wholeMax = 256 << 10

// analyse reads the entry once: sniffs its head, hashes all of it and keeps a
// copy in memory when it is a picture small enough to decode from there, or
// in the worker's temporary file when it is a video. A small file of the
// evidence itself (top) is read whole first, into w.whole.
func (w *worker) analyse(e evidence.Entry, top bool) (store.Media, []byte, int64, error) {
	if top {
		w.wholeOK = false
		w.prefix.buf = w.prefix.buf[:0]
	}
	var src io.ReaderAt
	if top && w.preOK {
		// Read whole with its batch (readBatch): not opened again.
		w.whole, w.wholeOK = w.pre, true
		w.wholeReader.Reset(w.whole)
		src = &w.wholeReader
	} else {
		c, err := e.Open()
		if err != nil {
			return store.Media{}, nil, 0, fmt.Errorf("open: %w", err)
		}
		defer c.Close()
		src = c
	}
	if top && !w.preOK && e.Size >= 0 && e.Size <= wholeMax {
		if int64(cap(w.ownWhole)) < e.Size {
			w.ownWhole = make([]byte, max(e.Size, 64<<10))
		}
		n, err := src.ReadAt(w.ownWhole[:e.Size], 0)
		if err != nil && err != io.EOF {
			return store.Media{}, nil, 0, fmt.Errorf("read: %w", err)
		}
		// A file that shrank since the walk is hashed as it is now, as
		// the streaming path below does.
		w.whole, w.wholeOK = w.ownWhole[:n], true
		w.wholeReader.Reset(w.whole)
		src = &w.wholeReader
	}
	n, err := src.ReadAt(w.head, 0)
	if err != nil && err != io.EOF {
		return store.Media{}, nil, 0, fmt.Errorf("read first bytes: %w", err)
	}
	w.headLen = int(min(int64(n), e.Size))
	t := filetype.Sniff(w.head[:w.headLen])
	w.format = nil
	if w.in.expandLimits() != nil {
		w.format = expand.Detect(w.head[:w.headLen])
	}
	var tee *[]byte
	keep := t.Kind == filetype.Picture && e.Size <= w.in.opt.MaxPictureBytes
	if keep {
		w.data = w.data[:0]
		tee = &w.data
	}
	// The readers are the worker's own, reused: three allocations a file
	// less. The file's bytes are all read before analyse returns.
	w.section = *io.NewSectionReader(src, 0, e.Size)
	w.reader = ctxReader{w.ctx, &w.section, &w.in.bytesReading}
	var r io.Reader = &w.reader
	r = w.hidden.tee(r, w.in, t.Kind, e.Size, w.format)
	if top && !w.wholeOK && t.Kind == filetype.Other && w.in.expandLimits() != nil {
		r = io.TeeReader(r, &w.prefix)
	}
	var copyFile *teeFile
	analyseVideo := t.Kind == filetype.Video && w.videoPath != "" && e.Size <= w.in.opt.MaxVideoBytes
	var copyErr error
	if analyseVideo {
		// The copy is what ffmpeg reads, so it holds exactly the bytes hashed.
		f, err := os.OpenFile(w.videoPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			copyErr = err
		} else {
			w.videoCopied = true
			copyFile = &teeFile{f: f}
			r = io.TeeReader(r, copyFile)
		}
	}
	var sums digest.Sums
	if top && w.preOK {
		sums, err = w.hasher.SumWithMD5(r, w.pre, w.preMD5, tee)
	} else {
		sums, err = w.hasher.Sum(r, e.Size, tee)
	}
	if copyFile != nil {
		if cerr := copyFile.f.Close(); copyFile.err == nil {
			copyFile.err = cerr
		}
		copyErr = copyFile.err
	}
	if err != nil {
		return store.Media{}, nil, sums.Size, fmt.Errorf("hash: %w", err)
	}
	md5, sha1, sha256 := sums.Hex()
	m := store.Media{SHA256: sha256, MD5: md5, SHA1: sha1, Size: sums.Size, Type: t.Name, Kind: string(t.Kind), MIME: t.MIME}
	if t.Kind == filetype.Picture && !keep {
		m.Error = fmt.Sprintf("picture of %d bytes is over the %d-byte decode limit; hashed, not decoded", e.Size, w.in.opt.MaxPictureBytes)
	}
	switch {
	case t.Kind != filetype.Video || w.videoPath == "":
	case !analyseVideo:
		m.Error = fmt.Sprintf("video of %d bytes is over the %d-byte analysis limit; hashed, not analysed", e.Size, w.in.opt.MaxVideoBytes)
	case copyErr != nil:
		m.Error = fmt.Sprintf("video hashed, not analysed: temporary copy for ffmpeg: %v", copyErr)
	}
	return m, nil, sums.Size, nil
}

// fingerprint decodes the kept picture bytes into dimensions, perceptual
// hashes and a thumbnail. A failure is recorded on the media, not returned:
// a corrupt picture is still evidence.
func (w *worker) fingerprint(m *store.Media, thumb *[]byte) {
	res, err := w.in.analyzer.Analyze(w.data, m.Type)
	m.Width, m.Height = res.Width, res.Height
	m.Decoder = res.Decoder
	if err != nil {
		m.Error = err.Error()
		return
	}
	m.PHash = hex64(res.PHash)
	m.DHash = hex64(res.DHash)
	*thumb = res.Thumb
	w.in.sig.offer(sigJob{sha: m.SHA256, img: res.Fitted, w: m.Width, h: m.Height})
}

// analyseVideo runs ffmpeg over the worker's copy of the video: duration,
// size, codec, hashed frames and a contact sheet as the thumbnail. Like a
// picture's, a failure is recorded on the media with what was learned.
func (w *worker) analyseVideo(m *store.Media, thumb *[]byte) {
	if w.in.video == nil {
		w.in.warnNoVideo()
		return
	}
	if !w.videoCopied {
		return
	}
	start := time.Now()
	res, err := w.in.video.Analyze(w.ctx, w.videoPath, m.Size)
	w.in.videoNanos.Add(int64(time.Since(start)))
	m.Width, m.Height = res.Width, res.Height
	m.Duration = math.Round(res.Duration*1000) / 1000
	m.Codec = res.Codec
	m.Decoder = res.Mode
	for _, f := range res.Frames {
		m.Frames = append(m.Frames, store.Frame{At: math.Round(f.At*1000) / 1000, PHash: hex64(f.PHash), DHash: hex64(f.DHash)})
	}
	*thumb = res.Sheet
	if err != nil {
		m.Error = "video: " + strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	if w.ctx.Err() == nil && (len(res.Frames) > 0 || len(res.Sheet) > 0) {
		// Every sampled frame reaches the models; a video of blank frames
		// only still has its sheet looked at, as before.
		w.in.sig.offer(sigJob{sha: m.SHA256, frames: res.Frames, sheet: res.Sheet, w: m.Width, h: m.Height})
	}
}

// dropVideoCopy removes the worker's temporary copy as soon as it is used:
// evidence copies must not outlive their analysis.
func (w *worker) dropVideoCopy() {
	os.Remove(w.videoPath)
	w.videoCopied = false
}

// teeFile writes the video copy without ever failing the read it is teed
// from: a full temporary disk costs the video its analysis, not its hashes.
type teeFile struct {
	f   *os.File
	err error
}

func (t *teeFile) Write(p []byte) (int, error) {
	if t.err == nil {
		_, t.err = t.f.Write(p)
	}
	return len(p), nil
}

func hex64(v uint64) string {
	s := strconv.FormatUint(v, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

// ctxReader stops reading once the run is cancelled, so a signal does not
// wait for a multi-gigabyte file to finish hashing, and counts the bytes of
// files still being hashed for the progress bar.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	reading *atomic.Int64
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.reading.Add(int64(n))
	return n, err
}

// prefixMax is how much of a file prefixKeeper keeps: the most the raw-disk
// probe reads from the start of a file (a signature head).
const prefixMax = 256 << 10

// prefixKeeper keeps the first prefixMax bytes written to it.
type prefixKeeper struct{ buf []byte }

func (p *prefixKeeper) Write(b []byte) (int, error) {
	if n := min(len(b), prefixMax-len(p.buf)); n > 0 {
		p.buf = append(p.buf, b[:n]...)
	}
	return len(b), nil
}

// readerAt returns r answering from the kept bytes where they cover a read
// (the kept bytes must be the first of r's, size bytes in all).
func (p *prefixKeeper) readerAt(r io.ReaderAt, size int64) io.ReaderAt {
	if int64(len(p.buf)) < min(size, prefixMax) {
		return r // the read that kept them stopped short
	}
	return prefixReaderAt{p.buf, r}
}

type prefixReaderAt struct {
	prefix []byte
	r      io.ReaderAt
}

func (p prefixReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if off >= 0 && off+int64(len(b)) <= int64(len(p.prefix)) {
		return copy(b, p.prefix[off:]), nil
	}
	return p.r.ReadAt(b, off)
}
