// Package ingest runs the one-pass pipeline: walk an evidence item, hash every
// file once (MD5, SHA-1, SHA-256), identify its type by content, fingerprint
// pictures (pHash, dHash, thumbnail) and videos (hashed frames and a contact
// sheet, through ffmpeg: see ingest/video), and record it all in the case
// store.
//
// Stages talk through channels of plain structs: one walker, a bounded pool of
// analysis workers, one writer that batches into store transactions. Memory is
// bounded by the channel sizes, the per-worker buffers and the picture
// analyzer's decode budget, never by the size of the evidence.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"scrim/buildinfo"
	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/ingest/picture"
	"scrim/ingest/video"
	"scrim/signals"
	"scrim/store"
)

// Options tune an ingest. The zero value is sensible.
type Options struct {
	Examiner string
	// Workers is the number of files analysed at once; 0 means one per
	// processor of the Go scheduler (GOMAXPROCS: one per CPU, plus one
	// during an ingest: internal/procs).
	Workers int
	// MaxPictureBytes: larger "pictures" are hashed but not decoded (0: 64 MiB).
	MaxPictureBytes int64
	Picture         picture.Options
	// MaxVideoBytes: larger videos are hashed but not analysed, since each
	// is copied to a temporary file for ffmpeg (0: 4 GiB).
	MaxVideoBytes int64
	Video         video.Options
	// Expand bounds the expansion of containers (archives, compressed
	// streams, pictures hidden in other files) found in the evidence; the
	// zero value is the defaults (depth 8), a negative MaxDepth turns
	// expansion off.
	Expand expand.Limits
	// Warn receives one-line warnings, at most once per kind per Ingester
	// (ffmpeg missing); nil prints them on stderr.
	Warn func(string)
	// Now supplies timestamps (tests pin it); nil means time.Now.
	Now func() time.Time
	// Signals runs the face, age and nudity models on every picture and
	// video sheet (signals.go); nil turns signals off, at no cost.
	Signals signals.Analyzer
	// SignalWorkers run the models at once (0: half the CPUs, at least 1).
	SignalWorkers int
}

// Evidence status values (store.Evidence.Status).
const (
	StatusInProgress  = "in progress" // a run is going, or its process died
	StatusInterrupted = "interrupted" // the last run stopped (signal, cancel, error) before seeing every entry
	StatusComplete    = "complete"    // the last run saw every entry
)

// Summary says what one ingest run did.
type Summary struct {
	Evidence string `json:"evidence"`
	Path     string `json:"path"`
	Format   string `json:"format"`
	Seen     int64  `json:"seen"`      // entries walked
	Skipped  int64  `json:"skipped"`   // already in the case from an earlier run
	Added    int64  `json:"added"`     // occurrences written by this run
	NewMedia int64  `json:"new_media"` // contents analysed for the first time
	Errors   int64  `json:"errors"`    // unreadable files and undecodable pictures in this run
	Bytes    int64  `json:"bytes"`     // bytes read and hashed by this run
	Complete bool   `json:"complete"`  // every entry was seen
	// Notes are what could not be read, or was only carved, in this
	// evidence: opening problems and what the walk learned (WalkNoter).
	Notes       []string      `json:"notes,omitempty"`
	Duration    time.Duration `json:"duration_ns"` //
	FilesPerSec float64       `json:"files_per_sec"`
	MBPerSec    float64       `json:"mb_per_sec"`
	// Verification is set when the caller verified the acquisition hashes.
	Verification *store.Verification `json:"verification,omitempty"`
	// Signals counts media the models analysed during the run; deferred
	// ones were left for the post-ingest pass (Pass) because the models
	// fell behind.
	Signals         int64 `json:"signals,omitempty"`
	SignalsDeferred int64 `json:"signals_deferred,omitempty"`
}

// Progress is a snapshot for progress bars.
type Progress struct {
	FilesDone, BytesDone   int64
	FilesTotal, BytesTotal int64
	TotalKnown             bool // the counting walk has finished
	Started                time.Time
	// MembersDone counts the members of containers recorded so far: the
	// files inside an archive, which the counting walk cannot know ahead.
	MembersDone int64
	// ExpandDone of ExpandTotal bytes of the top-level containers met so
	// far have been read by their expansion, the second pass over a
	// container after its hashing; a long archive moves the bar with it.
	ExpandDone, ExpandTotal int64
}

// Fraction is how much of the known work is done, in [0, 1], and whether
// it is known at all. Bytes weigh more than files, and a container's
// expansion counts as work once it is met.
func (p Progress) Fraction() (float64, bool) {
	if !p.TotalKnown {
		return 0, false
	}
	f := 0.0
	switch {
	case p.BytesTotal+p.ExpandTotal > 0:
		f = float64(p.BytesDone+p.ExpandDone) / float64(p.BytesTotal+p.ExpandTotal)
	case p.FilesTotal > 0:
		f = float64(p.FilesDone) / float64(p.FilesTotal)
	default:
		return 0, false
	}
	return min(max(f, 0), 1), true
}

// Ingester ingests evidence into one case.
type Ingester struct {
	store    *store.Store
	opt      Options
	analyzer *picture.Analyzer
	// video is nil when ffmpeg is missing; videoErr says why and is
	// warned about once, at the first video.
	video     *video.Analyzer
	videoErr  error
	videoWarn sync.Once
	// videoNanos is the time spent in ffmpeg analysis, for benchmarks.
	videoNanos atomic.Int64
	// sig is the running signals stage (nil when signals are off).
	sig *signalStage

	filesDone, bytesDone   atomic.Int64
	bytesReading           atomic.Int64 // read from files not yet recorded
	filesTotal, bytesTotal atomic.Int64
	totalKnown             atomic.Bool
	membersDone            atomic.Int64
	expandDone             atomic.Int64 // see Progress.ExpandDone
	expandTotal            atomic.Int64
	// startCount starts the counting walk of the running ingest the first
	// time progress is asked for: nobody watching, no second walk.
	startCount  atomic.Pointer[func()]
	noRing      sync.Once // says once why files are read one by one
	started     atomic.Int64
	membersLent atomic.Int64 // members walked by a worker other than their container's
}

// New returns an Ingester writing into st.
func New(st *store.Store, opt Options) *Ingester {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.MaxPictureBytes <= 0 {
		opt.MaxPictureBytes = 64 << 20
	}
	if opt.MaxVideoBytes <= 0 {
		opt.MaxVideoBytes = 4 << 30
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Warn == nil {
		opt.Warn = func(msg string) { fmt.Fprintln(os.Stderr, "scrim: warning:", msg) }
	}
	if opt.Signals != nil {
		opt.Picture.KeepFitted = true
		opt.Video.KeepFitted = true
	}
	va, verr := video.New(opt.Video)
	return &Ingester{store: st, opt: opt, analyzer: picture.NewAnalyzer(opt.Picture), video: va, videoErr: verr}
}

// newBatchReader returns a worker's reader of small files in batches, or
// nil where io_uring is refused (then files are opened one by one, as
// fast as before it, and a debug line says why, once).
func (in *Ingester) newBatchReader() *evidence.BatchReader {
	b, err := evidence.NewBatchReader(jobBatchBytes + wholeMax)
	if err != nil {
		in.noteNoRing(err)
		return nil
	}
	return b
}

func (in *Ingester) noteNoRing(err error) {
	in.noRing.Do(func() { slog.Debug("small files read one by one", "reason", err) })
}

// warnNoVideo says once that videos go unanalysed.
func (in *Ingester) warnNoVideo() {
	in.videoWarn.Do(func() {
		in.opt.Warn(fmt.Sprintf("%v: videos are hashed but not analysed (no frames, hashes or contact sheets); install ffmpeg and ingest again into a new case", in.videoErr))
	})
}

// Progress returns the current progress of the running ingest.
func (in *Ingester) Progress() Progress {
	if start := in.startCount.Load(); start != nil {
		(*start)()
	}
	return Progress{
		FilesDone:   in.filesDone.Load(),
		BytesDone:   in.bytesDone.Load() + in.bytesReading.Load(),
		FilesTotal:  in.filesTotal.Load(),
		BytesTotal:  in.bytesTotal.Load(),
		TotalKnown:  in.totalKnown.Load(),
		Started:     time.Unix(0, in.started.Load()),
		MembersDone: in.membersDone.Load(),
		ExpandDone:  in.expandDone.Load(),
		ExpandTotal: in.expandTotal.Load(),
	}
}

// EvidenceID returns the ID an evidence path has in the case, or a new one:
// the requested name, or the source's base name, made unique.
func EvidenceID(st *store.Store, absPath, requested string) (string, error) {
	if id, ok, err := st.EvidenceIDByPath(absPath); err != nil || ok {
		if ok && requested != "" && requested != id {
			return "", fmt.Errorf("evidence %s was ingested before as %q, not %q", absPath, id, requested)
		}
		return id, err
	}
	base := requested
	if base == "" {
		base = filepath.Base(absPath)
	}
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == 0x7f {
			return '_'
		}
		return r
	}, base)
	for n := 1; ; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		e, ok, err := st.Evidence(id)
		if err != nil {
			return "", err
		}
		if !ok {
			return id, nil
		}
		if requested != "" && e.Path != absPath {
			return "", fmt.Errorf("evidence name %q is already used for %s", requested, e.Path)
		}
	}
}

// Ingest reads every entry of src into the case as evidence id. It is
// idempotent and resumable: places already recorded are skipped.
func (in *Ingester) Ingest(ctx context.Context, src evidence.Source, id string) (sum Summary, err error) {
	defer func() {
		// An ingest the audit log does not hold is not a kept record of the
		// run: the chain would verify without it, so the failure is the run's.
		if aerr := in.audit(sum, err); aerr != nil {
			err = errors.Join(err, fmt.Errorf("write the audit entry of the ingest of %s: %w", id, aerr))
		}
	}()
	return in.ingest(ctx, src, id)
}

// audit records the run in the case's audit log, finished or not.
func (in *Ingester) audit(sum Summary, runErr error) error {
	detail := map[string]string{
		"evidence": sum.Evidence, "path": sum.Path, "format": sum.Format,
		"added": strconv.FormatInt(sum.Added, 10), "skipped": strconv.FormatInt(sum.Skipped, 10),
		"new_media": strconv.FormatInt(sum.NewMedia, 10), "errors": strconv.FormatInt(sum.Errors, 10),
		"complete": strconv.FormatBool(sum.Complete), "tool": buildinfo.Get().Tool(),
	}
	if runErr != nil {
		detail["error"] = runErr.Error()
	}
	_, err := in.store.Audit(in.opt.Examiner, "ingest", detail, in.opt.Now())
	return err
}

// recordsQueued is how many analysed files may wait for the one writer,
// at most a few MB (a picture's record carries its thumbnail of 10-20 KB).
// The writer shares the cores with the workers and Badger: with 4 per
// worker, the workers stopped whenever the scheduler kept the writer
// waiting, and the cores went idle (1 M small files, warm, 2026-12-07,
// with the walk's fstatat: 512 took a median 19.1 s against 21.5 s, five
// rounds alternating).
const recordsQueued = 512

func (in *Ingester) ingest(ctx context.Context, src evidence.Source, id string) (Summary, error) {
	info := src.Info()
	start := in.opt.Now()
	in.started.Store(start.UnixNano())
	sum := Summary{Evidence: id, Path: info.Path, Format: info.Format}

	if err := in.checkPipeline(); err != nil {
		return sum, err
	}
	ev, found, err := in.store.Evidence(id)
	if err != nil {
		return sum, err
	}
	if !found {
		ev = store.Evidence{ID: id, Path: info.Path, Format: info.Format, Size: info.Size,
			Examiner: in.opt.Examiner, FirstIngested: start.UTC()}
	}
	ev.Segments, ev.StoredHashes, ev.Notes = info.Segments, info.StoredHashes, info.Notes
	// The status speaks of the latest run: a resumed or repeated run that
	// stops early has not seen every entry either.
	ev.Status = StatusInProgress
	ev.LastIngested = start.UTC()
	if in.opt.Examiner != "" && ev.Examiner == "" {
		ev.Examiner = in.opt.Examiner
	}
	if err := in.store.PutEvidence(ev); err != nil {
		return sum, err
	}
	// An item with no place recorded yet (a first run) has nothing to
	// skip: its entries are not looked up one by one.
	resuming, err := in.store.HasOccurrences(id)
	if err != nil {
		ev.Status = StatusInterrupted
		return sum, errors.Join(err, in.store.PutEvidence(ev))
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if info.Format == "directory" {
		// A second walk of a folder is cheap and gives the ETA; a disk
		// image would be parsed (and carved) twice. It is walked only
		// when someone watches: on a million small files it cost 7 % of
		// the CPU.
		var once sync.Once
		start := func() { once.Do(func() { go in.countTotals(ctx, src) }) }
		in.startCount.Store(&start)
		defer in.startCount.Store(nil)
	}

	// ffmpeg needs a seekable file: each worker copies a video it hashes
	// into this private directory, never beside the evidence.
	// Expansion keeps members too large for memory there as well.
	var tmp string
	if in.video != nil || in.expandLimits() != nil {
		if tmp, err = videoTempDir(); err != nil {
			ev.Status = StatusInterrupted
			return sum, errors.Join(fmt.Errorf("temporary directory for videos: %w", err), in.store.PutEvidence(ev))
		}
		defer os.RemoveAll(tmp)
	}

	jobs := make(chan []job, 2*in.opt.Workers)
	hand := jobHand{free: make(chan []job, 2*in.opt.Workers+2)}
	records := make(chan result, recordsQueued)
	var counters runCounters
	notes := &runNotes{}

	pool := newMemberPool(in.opt.Workers)
	in.sig = in.startSignals()
	var workers sync.WaitGroup
	for k := range in.opt.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			w := newWorker(ctx, in, notes)
			w.id, w.tmpDir, w.pool = k, tmp, pool
			switch info.Format {
			case "directory":
				w.hostRoot = info.Path
				w.batch = in.newBatchReader()
			case "file":
				w.hostRoot = filepath.Dir(info.Path)
			}
			if tmp != "" && in.video != nil {
				w.videoPath = filepath.Join(tmp, fmt.Sprintf("worker%d", k))
			}
			defer w.close()
			send := func(r result) {
				if ctx.Err() != nil {
					return // cut short by the cancel: the resumed run redoes it
				}
				// Encoded here, by the workers side by side, not by
				// the one writer every record waits for.
				r.rec.Prepare()
				select {
				case records <- r:
				case <-ctx.Done():
				}
			}
			w.run(jobs, send, hand.done)
		}()
	}

	writeErr := make(chan error, 1)
	go func() { writeErr <- in.write(ctx, records, &counters, cancel) }()

	walkErr := src.Walk(ctx, func(e evidence.Entry) error {
		counters.seen.Add(1)
		o := occurrenceOf(id, e)
		var prev store.Occurrence
		var ok bool
		if resuming {
			var err error
			if prev, ok, err = in.store.Occurrence(store.OccurrenceKey(o)); err != nil {
				return err
			}
		}
		if ok && prev.Error == "" && e.Err == nil && prev.Size == o.Size && prev.Mtime == o.Mtime && prev.DevicePath == o.DevicePath {
			counters.skipped.Add(1)
			in.filesDone.Add(1)
			in.bytesDone.Add(e.Size)
			return nil
		}
		j := job{entry: e, occ: o}
		if ok {
			j.previousSHA = prev.SHA256
		}
		return hand.add(ctx, jobs, j)
	})
	if walkErr == nil {
		walkErr = hand.flush(ctx, jobs)
	}
	close(jobs)
	workers.Wait()
	close(records)
	werr := <-writeErr
	var sigErr error
	sum.Signals, sum.SignalsDeferred, sigErr = in.sig.finish()
	in.sig = nil
	werr = errors.Join(werr, sigErr)

	sum.Seen = counters.seen.Load()
	sum.Skipped = counters.skipped.Load()
	sum.Added = counters.added.Load()
	sum.NewMedia = counters.newMedia.Load()
	sum.Errors = counters.errors.Load()
	sum.Bytes = counters.bytes.Load()
	if wn, ok := src.(evidence.WalkNoter); ok {
		ev.Notes = appendNew(ev.Notes, wn.WalkNotes()...)
	}
	ev.Notes = appendNew(ev.Notes, notes.list()...)
	sum.Notes = append([]string(nil), ev.Notes...)
	sum.Duration = in.opt.Now().Sub(start)
	if secs := sum.Duration.Seconds(); secs > 0 {
		sum.FilesPerSec = float64(sum.Added) / secs
		sum.MBPerSec = float64(sum.Bytes) / 1e6 / secs
	}
	// The walk may have handed out its last entry before a cancel reached
	// workers still hashing large files: their records were dropped, so the
	// run is interrupted even though the walk itself ended cleanly.
	runErr := werr
	if runErr == nil && walkErr != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(walkErr, cause) && errors.Is(walkErr, context.Canceled) {
			walkErr = cause
		}
		runErr = fmt.Errorf("walk evidence %s: %w", id, walkErr)
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = fmt.Errorf("ingest of %s: %w", id, context.Cause(ctx))
	}
	if runErr != nil {
		ev.Status = StatusInterrupted
		if err := in.store.PutEvidence(ev); err != nil {
			return sum, errors.Join(runErr, fmt.Errorf("record interrupted status: %w", err))
		}
		return sum, runErr
	}
	sum.Complete = true
	ev.Status = StatusComplete
	if err := in.store.PutEvidence(ev); err != nil {
		return sum, err
	}
	return sum, nil
}

// appendNew appends the notes not already in list (a resumed run learns
// the same facts again).
func appendNew(list []string, notes ...string) []string {
	for _, n := range notes {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

// checkPipeline refuses to mix perceptual hashes made by different pipelines
// in one case: their bits would not be comparable.
func (in *Ingester) checkPipeline() error {
	got, err := in.store.Meta("hash_pipeline")
	if err != nil {
		return err
	}
	switch got {
	case "":
		return in.store.SetMeta("hash_pipeline", picture.HashPipeline)
	case picture.HashPipeline:
		return nil
	default:
		return fmt.Errorf("case hashes were made by pipeline %q, this scrim makes %q: use a matching scrim", got, picture.HashPipeline)
	}
}

// countTotals walks the evidence a second time, cheaply, so the progress bar
// can show an ETA.
func (in *Ingester) countTotals(ctx context.Context, src evidence.Source) {
	var files, bytes int64
	err := src.Walk(ctx, func(e evidence.Entry) error {
		files++
		bytes += e.Size
		if files%1024 == 0 {
			in.filesTotal.Store(files)
			in.bytesTotal.Store(bytes)
		}
		return nil
	})
	in.filesTotal.Store(files)
	in.bytesTotal.Store(bytes)
	if err == nil {
		in.totalKnown.Store(true)
	}
}

// jobHand hands the walk's jobs to the workers in batches: one channel
// operation (and one wake-up of a sleeping worker or walker) per batch
// rather than per file, which on a million small files cost more than
// opening them. A batch goes as soon as no other is queued, so a slow
// walk (a disk image) still feeds idle workers one file at a time; it
// grows while the workers have batches to take.
type jobHand struct {
	batch []job
	bytes int64
	free  chan []job // batches the workers are done with, for reuse
}

// jobBatchMax files, or jobBatchBytes of them, make a full batch: a batch is
// one worker's, so it holds no more than the others can wait for at the end.
const (
	jobBatchMax   = 64
	jobBatchBytes = 1 << 20
)

// add adds j to the batch and hands the batch on when it is full, or
// without waiting when a worker has room for it.
func (h *jobHand) add(ctx context.Context, jobs chan<- []job, j job) error {
	if h.batch == nil {
		select {
		case h.batch = <-h.free:
		default:
			h.batch = make([]job, 0, jobBatchMax)
		}
	}
	h.batch = append(h.batch, j)
	if j.entry.Size > 0 {
		h.bytes += j.entry.Size
	}
	if len(h.batch) >= jobBatchMax || h.bytes >= jobBatchBytes || j.entry.Size < 0 {
		return h.flush(ctx, jobs)
	}
	if len(jobs) > 0 {
		// Handed on whenever the queue had room instead, one file in
		// seven of a million small ones went alone (94,000 batches of
		// one file): each a hand-off, a read and an MD5 of its own.
		return nil
	}
	select {
	case jobs <- h.batch:
		h.batch, h.bytes = nil, 0
	default:
	}
	return nil
}

// done gives back a batch a worker has processed.
func (h *jobHand) done(batch []job) {
	clear(batch) // its entries may hold much: let them go
	select {
	case h.free <- batch[:0]:
	default:
	}
}

// flush hands the batch on, waiting for room.
func (h *jobHand) flush(ctx context.Context, jobs chan<- []job) error {
	if len(h.batch) == 0 {
		return nil
	}
	select {
	case jobs <- h.batch:
		h.batch, h.bytes = nil, 0
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

type runCounters struct {
	seen, skipped, added, newMedia, errors, bytes atomic.Int64
}

// write batches records into the store. It commits at least every second so
// a crash loses little work, and on its own error cancels the run.
func (in *Ingester) write(ctx context.Context, records <-chan result, c *runCounters, cancel context.CancelCauseFunc) error {
	b := in.store.NewBatch()
	b.Pipeline() // Badger writes one transaction while this fills the next
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var failed error
	fail := func(err error) {
		if failed == nil {
			failed = err
			cancel(err)
			b.Discard()
		}
	}
	for {
		select {
		case r, ok := <-records:
			if !ok {
				if failed == nil {
					if err := b.Flush(); err != nil {
						fail(err)
					}
				}
				return failed
			}
			if failed != nil {
				continue // drain so workers can finish
			}
			isNew, err := b.Add(r.rec)
			if err != nil {
				fail(err)
				continue
			}
			c.added.Add(1)
			c.bytes.Add(r.bytesRead)
			if isNew {
				c.newMedia.Add(1)
			}
			// A picture's decode error counts once, with its first occurrence.
			if r.rec.Occurrence.Error != "" || (isNew && r.rec.Media.Error != "") {
				c.errors.Add(1)
			}
			// Progress counts the evidence's own files, the ones the
			// totals count; members come and go inside their container's.
			if !r.rec.Occurrence.Embedded {
				in.filesDone.Add(1)
				in.bytesDone.Add(r.rec.Occurrence.Size)
			} else {
				in.membersDone.Add(1)
			}
			in.bytesReading.Add(-r.bytesRead)
		case <-tick.C:
			if failed == nil {
				if err := b.Flush(); err != nil {
					fail(err)
				}
			}
		}
	}
}

func occurrenceOf(evidenceID string, e evidence.Entry) store.Occurrence {
	mtime := store.FormatTime(e.Mtime)
	return store.Occurrence{
		Evidence:     evidenceID,
		Volume:       e.Volume,
		VolumeOffset: e.VolumeOffset,
		VolumeType:   e.VolumeType,
		FS:           e.FS,
		Path:         e.Path,
		Inode:        e.Inode,
		Deleted:      e.Deleted,
		Carved:       e.Carved,
		Offset:       e.Offset,
		Size:         e.Size,
		Mtime:        mtime,
		Atime:        formatTimeAs(e.Atime, e.Mtime, mtime),
		Ctime:        formatTimeAs(e.Ctime, e.Mtime, mtime),
		Btime:        store.FormatTime(e.Btime),
		DevicePath:   e.DevicePath,
	}
}

// formatTimeAs is store.FormatTime(t), reusing formatted, the form of
// other, when t is the same instant: a file's times often are, and
// formatting was most of building its occurrence.
func formatTimeAs(t, other time.Time, formatted string) string {
	if t.Equal(other) {
		return formatted
	}
	return store.FormatTime(t)
}
