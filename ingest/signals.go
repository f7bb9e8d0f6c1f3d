package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"scrim/ingest/video"
	"scrim/signals"
	"scrim/store"
)

// The signals stage runs the on-device models (face, age, nudity) on the
// pixels the ingest already has: a picture's 256-px fit made while hashing it,
// a video's contact sheet of sampled frames. It runs on its own goroutines
// behind a small queue that workers never wait on: when the models fall
// behind, the picture is left for the post-ingest pass (Pass), which reads
// the stored thumbnail instead. Signals never set a category.

// sigJob is one media waiting for the models.
type sigJob struct {
	sha string
	// img is the picture's 256-px fit, w×h its own size; frames are a
	// video's sampled frames (each with its 256-px fit) and sheet its
	// contact sheet JPEG, with w×h the frame size.
	img    *image.RGBA
	frames []video.Frame
	sheet  []byte
	w, h   int
	// note goes on the record (why the models saw less than they could).
	note string
}

// signalStage is the running stage of one ingest run.
type signalStage struct {
	an       signals.Analyzer
	queue    chan sigJob
	wg       sync.WaitGroup
	now      func() time.Time
	st       *store.Store
	done     atomic.Int64
	deferred atomic.Int64
	errMu    sync.Mutex
	err      error
}

// startSignals starts the stage, or returns nil when signals are off.
func (in *Ingester) startSignals() *signalStage {
	if in.opt.Signals == nil {
		return nil
	}
	n := in.opt.SignalWorkers
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	s := &signalStage{an: in.opt.Signals, queue: make(chan sigJob, 2*n), now: in.opt.Now, st: in.store}
	results := make(chan store.Signals, 2*n)
	var analysts sync.WaitGroup
	for range n {
		analysts.Add(1)
		go func() {
			defer analysts.Done()
			for j := range s.queue {
				results <- analyseJob(s.an, j, "", s.now())
			}
		}()
	}
	go func() { analysts.Wait(); close(results) }()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.fail(writeSignals(s.st, results, &s.done))
	}()
	return s
}

func (s *signalStage) fail(err error) {
	if err == nil {
		return
	}
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// offer queues a media for the models without ever waiting: a full queue
// defers it to the post-ingest pass.
func (s *signalStage) offer(j sigJob) {
	if s == nil {
		return
	}
	select {
	case s.queue <- j:
	default:
		s.deferred.Add(1)
	}
}

// finish waits for the queued media and returns the counts.
func (s *signalStage) finish() (done, deferred int64, err error) {
	if s == nil {
		return 0, 0, nil
	}
	close(s.queue)
	s.wg.Wait()
	return s.done.Load(), s.deferred.Load(), s.err
}

// writeSignals commits results in groups: one transaction per 64 or per
// second, so a kill loses little and a media is either recorded or redone.
func writeSignals(st *store.Store, results <-chan store.Signals, done *atomic.Int64) error {
	const group = 64
	var pending []store.Signals
	var failed error
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	flush := func() {
		if len(pending) == 0 || failed != nil {
			pending = pending[:0]
			return
		}
		if err := st.PutSignals(pending...); err != nil {
			failed = err
		} else {
			done.Add(int64(len(pending)))
		}
		pending = pending[:0]
	}
	for {
		select {
		case g, ok := <-results:
			if !ok {
				flush()
				return failed
			}
			pending = append(pending, g)
			if len(pending) >= group {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// analyseJob runs the models on one media. A failure is recorded on the
// signals, never returned: one odd picture must not stop the stage.
func analyseJob(an signals.Analyzer, j sigJob, source string, at time.Time) store.Signals {
	g := store.Signals{SHA256: j.sha, At: at.UTC(), Models: modelsOf(an)}
	if j.img != nil {
		g.Source = cmpOr(source, "decoded")
		res, err := analyse(an, j.img)
		if err != nil {
			g.Error = err.Error()
			return g
		}
		sx, sy := scale(j.w, j.h, j.img.Bounds())
		g.Faces = facesOf(res.Faces, sx, sy, 0)
		n := nudityOf(res.Nudity)
		g.Nudity = &n
		return g
	}
	g.Note = j.note
	if len(j.frames) > 0 {
		analyseFrames(an, j, &g)
		return g
	}
	g.Source = "sheet"
	cells, err := sheetCells(j.sheet, j.w, j.h)
	if err != nil {
		g.Error = err.Error()
		return g
	}
	var nud store.NuditySignal
	for i, c := range cells {
		res, err := analyse(an, c)
		if err != nil {
			g.Error = fmt.Sprintf("frame %d of the contact sheet: %v", i+1, err)
			return g
		}
		sx, sy := scale(j.w, j.h, c.Bounds())
		g.Faces = append(g.Faces, facesOf(res.Faces, sx, sy, 0)...)
		n := nudityOf(res.Nudity)
		nud = store.NuditySignal{Drawing: max(nud.Drawing, n.Drawing), Hentai: max(nud.Hentai, n.Hentai),
			Neutral: max(nud.Neutral, n.Neutral), Porn: max(nud.Porn, n.Porn), Sexy: max(nud.Sexy, n.Sexy)}
	}
	g.Frames = len(cells)
	if len(cells) > 0 {
		g.Nudity = &nud
	}
	return g
}

// analyseFrames runs the models on every sampled frame of a video, in
// time order: per-frame signals, and the video's summary (every frame's
// faces, each class's highest score) that filters and orders use. A frame
// that fails is noted on its own signals; the video fails only when all do.
func analyseFrames(an signals.Analyzer, j sigJob, g *store.Signals) {
	g.Source = "frames"
	var nud store.NuditySignal
	var lastErr string
	for i, f := range j.frames {
		fs := store.FrameSignal{At: roundTo(f.At, 1000)}
		if f.Fitted == nil {
			fs.Error = "frame not kept"
		} else if res, err := analyse(an, f.Fitted); err != nil {
			fs.Error = err.Error()
		} else {
			sx, sy := scale(j.w, j.h, f.Fitted.Bounds())
			faces := facesOf(res.Faces, sx, sy, fs.At)
			g.Faces = append(g.Faces, faces...)
			fs.Faces = len(faces)
			n := nudityOf(res.Nudity)
			fs.Nudity = &n
			nud = store.NuditySignal{Drawing: max(nud.Drawing, n.Drawing), Hentai: max(nud.Hentai, n.Hentai),
				Neutral: max(nud.Neutral, n.Neutral), Porn: max(nud.Porn, n.Porn), Sexy: max(nud.Sexy, n.Sexy)}
			g.Frames++
		}
		if fs.Error != "" {
			lastErr = fmt.Sprintf("frame %d at %.3f s: %s", i+1, fs.At, fs.Error)
		}
		g.FrameSignals = append(g.FrameSignals, fs)
	}
	if g.Frames > 0 {
		g.Nudity = &nud
	} else if lastErr != "" {
		g.Error = lastErr
	}
}

// analyse calls the models and turns a panic of theirs into an error: a
// model runtime meeting odd pixels must cost one picture, not the ingest.
func analyse(an signals.Analyzer, img image.Image) (res signals.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("signals models failed: %v", r)
		}
	}()
	res, err = an.Analyze(img)
	if err != nil {
		return res, fmt.Errorf("signals: %w", err)
	}
	return res, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// scale maps boxes in pixels of the fitted image back to the original w×h.
func scale(w, h int, b image.Rectangle) (float64, float64) {
	if w <= 0 || h <= 0 || b.Dx() <= 0 || b.Dy() <= 0 {
		return 1, 1
	}
	return float64(w) / float64(b.Dx()), float64(h) / float64(b.Dy())
}

func facesOf(fs []signals.Face, sx, sy, at float64) []store.FaceSignal {
	var out []store.FaceSignal
	for _, f := range fs {
		out = append(out, store.FaceSignal{X: round2(f.X * sx), Y: round2(f.Y * sy), W: round2(f.W * sx), H: round2(f.H * sy),
			Score: round4(f.Score), Age: round2(f.Age), AgeSpread: round2(f.AgeSpread),
			Gender: f.Gender, GenderScore: round4(f.GenderScore), At: at})
	}
	return out
}

func nudityOf(n signals.Nudity) store.NuditySignal {
	return store.NuditySignal{Drawing: round4(n.Drawing), Hentai: round4(n.Hentai), Neutral: round4(n.Neutral),
		Porn: round4(n.Porn), Sexy: round4(n.Sexy)}
}

// round2 and round4 keep records short; NaN (a broken model) becomes 0 so
// the record still encodes.
func round2(v float64) float64 { return roundTo(v, 100) }
func round4(v float64) float64 { return roundTo(v, 10000) }
func roundTo(v, f float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*f) / f
}

func modelsOf(an signals.Analyzer) []store.SignalModel {
	var out []store.SignalModel
	for _, m := range an.Models() {
		out = append(out, store.SignalModel{Name: m.Name, Package: m.Package, SHA256: m.SHA256})
	}
	return out
}

// sheetCells cuts a video's contact sheet (ingest/video: a grid of cells,
// each a frame fitted within 128×128) back into its frames. Cells left
// black at the end of the grid are skipped.
func sheetCells(sheet []byte, w, h int) ([]*image.RGBA, error) {
	if len(sheet) == 0 {
		return nil, errors.New("no contact sheet")
	}
	img, err := jpeg.Decode(bytes.NewReader(sheet))
	if err != nil {
		return nil, fmt.Errorf("contact sheet: %w", err)
	}
	const side = 128
	cw, ch := side, side
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("contact sheet: video frame size %dx%d unknown", w, h)
	}
	if w >= h {
		ch = max(1, side*h/w)
	} else {
		cw = max(1, side*w/h)
	}
	b := img.Bounds()
	cols, rows := b.Dx()/cw, b.Dy()/ch
	if cols*rows == 0 || cols*rows > 64 {
		return nil, fmt.Errorf("contact sheet %dx%d does not hold %dx%d cells", b.Dx(), b.Dy(), cw, ch)
	}
	var out []*image.RGBA
	for r := range rows {
		for c := range cols {
			cell := image.NewRGBA(image.Rect(0, 0, cw, ch))
			draw.Draw(cell, cell.Bounds(), img, b.Min.Add(image.Pt(c*cw, r*ch)), draw.Src)
			if !black(cell) {
				out = append(out, cell)
			}
		}
	}
	return out, nil
}

// black says a cell is the sheet's empty background (JPEG leaves a little
// noise).
func black(img *image.RGBA) bool {
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] > 12 || img.Pix[i+1] > 12 || img.Pix[i+2] > 12 {
			return false
		}
	}
	return true
}

// PassOptions tune a signals pass over an existing case.
type PassOptions struct {
	Examiner string
	// Redo analyses media that already have signals again (records made
	// before the pass first started: a resumed redo does not start over).
	Redo bool
	// Workers run the models at once; 0 means one per CPU.
	Workers int
	// Progress is called now and then with media done and to do.
	Progress func(done, total int64)
	Now      func() time.Time
	// Video samples videos read back from their evidence (zero: the
	// ingest's defaults); without ffmpeg, or when the evidence cannot be
	// read back, a video is analysed from its contact sheet.
	Video video.Options
}

// PassSummary says what a pass did.
type PassSummary struct {
	Candidates int64 `json:"candidates"` // pictures and videos with pixels to analyse
	Analysed   int64 `json:"analysed"`
	Skipped    int64 `json:"skipped"` // already had signals
	Errors     int64 `json:"errors"`
	Complete   bool  `json:"complete"`
}

// Pass runs the models over every picture and video of the case that has
// no signals yet (all of them with Redo), from the stored thumbnails and
// contact sheets. It is resumable: a killed pass leaves every written
// record whole, and the next one starts where it stopped.
func Pass(ctx context.Context, st *store.Store, an signals.Analyzer, opt PassOptions) (sum PassSummary, err error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	defer func() {
		detail := map[string]string{"analysed": strconv.FormatInt(sum.Analysed, 10), "errors": strconv.FormatInt(sum.Errors, 10),
			"redo": strconv.FormatBool(opt.Redo), "complete": strconv.FormatBool(sum.Complete)}
		if err != nil {
			detail["error"] = err.Error()
		}
		st.Audit(opt.Examiner, "signals", detail, opt.Now())
	}()
	var cutoff time.Time
	if opt.Redo {
		v, err := st.Meta(store.MetaSignalsRedoBefore)
		if err != nil {
			return sum, err
		}
		if cutoff, err = time.Parse(time.RFC3339Nano, v); v == "" || err != nil {
			cutoff = opt.Now().UTC()
			if err := st.SetMeta(store.MetaSignalsRedoBefore, cutoff.Format(time.RFC3339Nano)); err != nil {
				return sum, err
			}
		}
	}
	// The to-do list: media keys only (64 bytes each), so a large case
	// costs tens of MB here, not its thumbnails.
	type todo struct {
		sha  string
		w, h int
		kind string
		copy videoCopy // a video's read-back copy, or why there is none
	}
	var list []todo
	err = st.EachMedia(func(m store.Media) error {
		if (m.Kind != "picture" && m.Kind != "video") || m.Width <= 0 || m.Height <= 0 || (m.Kind == "picture" && m.Error != "") {
			return nil
		}
		sum.Candidates++
		list = append(list, todo{sha: m.SHA256, w: m.Width, h: m.Height, kind: m.Kind})
		return nil
	})
	if err != nil {
		return sum, err
	}
	var kept, videos []todo
	for _, t := range list {
		g, ok, err := st.SignalsOf(t.sha)
		if err != nil {
			return sum, err
		}
		if ok && (!opt.Redo || !g.At.Before(cutoff)) {
			sum.Skipped++
			continue
		}
		if t.kind == "video" {
			videos = append(videos, t)
		} else {
			kept = append(kept, t)
		}
	}
	total := int64(len(kept) + len(videos))
	vopt := opt.Video
	vopt.KeepFitted = true
	va, vaErr := video.New(vopt)
	var tmp string
	if len(videos) > 0 && vaErr == nil {
		if tmp, err = videoTempDir(); err != nil {
			return sum, fmt.Errorf("signals pass: %w", err)
		}
		defer os.RemoveAll(tmp) // after the producer below has stopped
	}
	jobs := make(chan todo)
	results := make(chan store.Signals, 2*opt.Workers)
	var analysts sync.WaitGroup
	for range opt.Workers {
		analysts.Add(1)
		go func() {
			defer analysts.Done()
			for t := range jobs {
				if ctx.Err() != nil {
					return
				}
				var g store.Signals
				if t.kind == "video" {
					g = passVideo(ctx, st, an, va, t.copy, t.w, t.h, opt.Now)
					select {
					case results <- g:
					case <-ctx.Done():
						return
					}
					continue
				}
				th, err := st.Thumbnail(t.sha)
				switch {
				case err != nil:
					g = store.Signals{SHA256: t.sha, At: opt.Now().UTC(), Models: modelsOf(an), Error: err.Error()}
				default:
					img, derr := decodeThumb(th)
					if derr != nil {
						g = store.Signals{SHA256: t.sha, At: opt.Now().UTC(), Models: modelsOf(an), Source: "thumbnail", Error: derr.Error()}
					} else {
						g = analyseJob(an, sigJob{sha: t.sha, img: img, w: t.w, h: t.h}, "thumbnail", opt.Now())
					}
				}
				select {
				case results <- g:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		defer close(jobs)
		send := func(t todo) bool {
			select {
			case jobs <- t:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for _, t := range kept {
			if !send(t) {
				return
			}
		}
		size := map[string][2]int{}
		var shas []string
		for _, t := range videos {
			size[t.sha] = [2]int{t.w, t.h}
			shas = append(shas, t.sha)
		}
		sendVideo := func(c videoCopy) bool {
			wh := size[c.sha]
			return send(todo{sha: c.sha, w: wh[0], h: wh[1], kind: "video", copy: c})
		}
		if vaErr != nil {
			for _, sha := range shas {
				if !sendVideo(videoCopy{sha: sha, note: fmt.Sprintf("not re-sampled (%v): analysed from the contact sheet", vaErr)}) {
					return
				}
			}
			return
		}
		readBackVideos(ctx, st, shas, tmp, sendVideo)
	}()
	defer func() { <-produced }()
	go func() { analysts.Wait(); close(results) }()
	var done atomic.Int64
	counted := make(chan store.Signals, 2*opt.Workers)
	writeErr := make(chan error, 1)
	go func() { writeErr <- writeSignals(st, counted, &done) }()
	for g := range results {
		if g.Error != "" {
			sum.Errors++
		}
		counted <- g
		if opt.Progress != nil {
			opt.Progress(done.Load(), total)
		}
	}
	close(counted)
	if err := <-writeErr; err != nil {
		return sum, err
	}
	sum.Analysed = done.Load()
	if opt.Progress != nil {
		opt.Progress(sum.Analysed, total)
	}
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("signals pass: %w", context.Cause(ctx))
	}
	sum.Complete = true
	if opt.Redo {
		if err := st.SetMeta(store.MetaSignalsRedoBefore, ""); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// passVideo samples a video read back from its evidence and runs the
// models on every sampled frame; without a copy, or when sampling yields
// no frame, it analyses the stored contact sheet and notes why.
func passVideo(ctx context.Context, st *store.Store, an signals.Analyzer, va *video.Analyzer, c videoCopy, w, h int, now func() time.Time) store.Signals {
	note := c.note
	if c.path != "" {
		res, err := va.Analyze(ctx, c.path, c.size)
		os.Remove(c.path) // copies of evidence must not outlive their use
		if res.Width > 0 && res.Height > 0 {
			w, h = res.Width, res.Height
		}
		if len(res.Frames) > 0 {
			j := sigJob{sha: c.sha, frames: res.Frames, w: w, h: h}
			if err != nil {
				j.note = "re-sampled from the evidence with errors: " + strings.ReplaceAll(err.Error(), "\n", "; ")
			}
			return analyseJob(an, j, "", now())
		}
		note = "re-sampling from the evidence gave no frame"
		if err != nil {
			note += " (" + strings.ReplaceAll(err.Error(), "\n", "; ") + ")"
		}
		note += ": analysed from the contact sheet"
	}
	th, err := st.Thumbnail(c.sha)
	if err != nil {
		return store.Signals{SHA256: c.sha, At: now().UTC(), Models: modelsOf(an), Source: "sheet", Note: note, Error: err.Error()}
	}
	return analyseJob(an, sigJob{sha: c.sha, sheet: th, w: w, h: h, note: note}, "", now())
}

// decodeThumb decodes a stored thumbnail into RGBA for the models.
func decodeThumb(b []byte) (*image.RGBA, error) {
	if len(b) == 0 {
		return nil, errors.New("no thumbnail stored")
	}
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("thumbnail: %w", err)
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out, nil
}

// PassProgress turns a signals pass's counts into the Progress snapshots
// the ingest's progress bars show: give Set as PassOptions.Progress.
type PassProgress struct {
	done, total atomic.Int64
	started     atomic.Int64
}

// NewPassProgress starts the clock of a pass's progress.
func NewPassProgress() *PassProgress {
	p := &PassProgress{}
	p.started.Store(time.Now().UnixNano())
	return p
}

// Set records media done and to do.
func (p *PassProgress) Set(done, total int64) { p.done.Store(done); p.total.Store(total) }

// Snapshot is the progress now.
func (p *PassProgress) Snapshot() Progress {
	return Progress{FilesDone: p.done.Load(), FilesTotal: p.total.Load(), TotalKnown: true,
		Started: time.Unix(0, p.started.Load())}
}
