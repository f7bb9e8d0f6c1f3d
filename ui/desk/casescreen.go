package desk

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"scrim/categorize"
	"scrim/hashlib"
	"scrim/ingest"
	"scrim/ingest/workflow"
	"scrim/internal/membudget"
	"scrim/internal/procs"
	"scrim/store"
	"scrim/ui/review"
	"scrim/ui/thumbs"
)

// OpenCase opens (or creates) a case directory, then ingests the evidence
// paths given in the background. An encrypted case asks for its key first
// (casekey.go).
func (w *Workstation) OpenCase(dir string, evidencePaths []string) error {
	// Refused before anything is created: the case and the profile store
	// stay clear of the evidence.
	if err := workflow.CheckPaths(w.writtenPlaces(dir), evidencePaths); err != nil {
		return err
	}
	if asked, err := w.askCaseKey(dir, evidencePaths); asked || err != nil {
		return err
	}
	return w.openCase(dir, store.Options{Create: true}, evidencePaths)
}

func (w *Workstation) openCase(dir string, opt store.Options, evidencePaths []string) error {
	w.closeCase()
	st, err := store.Open(dir, opt)
	switch {
	case errors.Is(err, store.ErrLocked):
		return fmt.Errorf("case %s is open in another scrim process; close it first", dir)
	case errors.Is(err, store.ErrWrongKey), errors.Is(err, store.ErrNotEncrypted), errors.Is(err, store.ErrEncrypted):
		return err
	case err != nil:
		return fmt.Errorf("open case %s: %w", dir, err)
	}
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		st.Close()
		return err
	}
	w.st, w.scheme = st, scheme
	w.rememberCase(dir)
	w.eng = categorize.NewEngine(st, scheme)
	if w.opt.Home != nil {
		// The hash library belongs to the workstation home this window
		// was started with (--home), not to $SCRIM_HOME.
		w.eng.SetLibrary(hashlib.DirIn(w.opt.Home.Dir()))
	}
	w.startLabSender()
	w.cache = thumbs.New(w.thumbSource, w.opt.Preview, w.opt.CacheTiles, 2, w.thumbReady)
	w.audit("sign-in", map[string]string{"role": string(w.session.Role), "case": w.caseName()})
	w.loadQueue(nil)
	w.showCaseScreen()
	if len(evidencePaths) == 0 {
		return nil
	}
	// One run for them all: a second AddEvidence would find the first
	// still running.
	return w.AddEvidence(evidencePaths...)
}

func (w *Workstation) thumbSource(sha [32]byte) ([]byte, error) {
	if w.st == nil {
		return nil, fmt.Errorf("no case open")
	}
	return w.st.Thumbnail(fmt.Sprintf("%x", sha[:]))
}

// loadQueue reads the review queue off the UI goroutine — a case of a
// million media takes seconds — and shows it when it is ready. Tests
// (testDriver) load on their own goroutine.
func (w *Workstation) loadQueue(after func()) {
	st, eng, scheme, name := w.st, w.eng, w.scheme, w.session.Name
	w.loading = true
	load := func() {
		// The queue shows as soon as it is read; near-duplicate grouping
		// (minutes on a case of a million pictures) follows on its own
		// goroutine. Tests (testDriver) get both at once.
		withClusters := eng
		if !w.testDriver {
			withClusters = nil
		}
		m, err := review.Load(w.ctx, st, withClusters, scheme)
		show := func() {
			if after != nil {
				defer after()
			}
			if w.st != st {
				return // the case was closed meanwhile
			}
			w.loading = false
			if err != nil {
				w.say("review queue: %v", err)
				w.loadErr = err
				return
			}
			w.loadErr = nil
			w.desk = &review.Desk{Model: m, Store: st, Engine: eng, Examiner: name}
			w.cur, w.sel = 0, map[int]bool{}
			if withClusters == nil && eng != nil {
				go w.groupQueue(st, eng, m)
			}
			if w.screen == "case" {
				w.showCaseScreen()
			}
		}
		if w.testDriver {
			show()
		} else {
			fyne.Do(show)
		}
	}
	if w.testDriver {
		load()
	} else {
		go load()
	}
}

// groupQueue computes the near-duplicate clusters of a queue shown without
// them and applies them on the UI goroutine, keeping the examiner's place,
// unless another queue replaced it meanwhile.
func (w *Workstation) groupQueue(st *store.Store, eng *categorize.Engine, m *review.Model) {
	clusters, err := eng.Clusters()
	fyne.Do(func() {
		if w.st != st || w.desk == nil || w.desk.Model != m {
			return
		}
		if err != nil {
			w.say("near-duplicate groups: %v", err)
			return
		}
		w.changeView(func() { m.SetClusters(clusters) })
	})
}

// reload reads the review queue from the store again, on the caller's
// goroutine.
func (w *Workstation) reload() error {
	m, err := review.Load(w.ctx, w.st, w.eng, w.scheme)
	if err != nil {
		return err
	}
	w.desk = &review.Desk{Model: m, Store: w.st, Engine: w.eng, Examiner: w.session.Name}
	w.cur, w.sel = 0, map[int]bool{}
	return nil
}

type ingestRun struct {
	cancel   context.CancelFunc
	done     chan struct{}
	loaded   chan struct{} // closed once the review queue was read after the ingest
	finish   func()        // with the test driver: the UI work after the ingest
	mu       sync.Mutex
	progress func() ingest.Progress // of the running stage
	label    string
	err      error
	sum      []ingest.Summary
	notes    []string // warnings, shown on the case screen
}

func (r *ingestRun) warn(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, msg)
}

// stage records the running stage for the progress widget.
func (r *ingestRun) stage(stage, id string, progress func() ingest.Progress) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.label, r.progress = stage+" "+id, progress
	return func() {}
}

func (r *ingestRun) snapshot() (string, ingest.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.progress == nil {
		return r.label, ingest.Progress{}
	}
	return r.label, r.progress()
}

func (r *ingestRun) wait() { <-r.done }

// writtenPlaces are the directories the workstation writes: the case and
// the profile store.
func (w *Workstation) writtenPlaces(caseDir string) []workflow.Place {
	places := []workflow.Place{{What: "case directory", Path: caseDir}}
	if w.opt.Home != nil {
		places = append(places, workflow.Place{What: "profile store", Path: w.opt.Home.Dir()})
	}
	return places
}

// AddEvidence ingests evidence paths into the open case, each its own
// evidence item, on one background goroutine through the same workflow as
// scrim ingest (ingest, the optional verification of acquisition hashes,
// hash-set matching, audit); the case screen shows its progress and can
// cancel it. Adding the same path again resumes where it stopped.
func (w *Workstation) AddEvidence(paths ...string) error {
	if w.st == nil {
		return fmt.Errorf("open a case first")
	}
	if len(paths) == 0 {
		return fmt.Errorf("no evidence path given")
	}
	if w.ingest != nil {
		select {
		case <-w.ingest.done:
		default:
			return fmt.Errorf("an ingest is still running; wait for it or cancel it")
		}
	}
	if err := workflow.CheckPaths(w.writtenPlaces(w.st.Dir()), paths); err != nil {
		return err
	}
	srcs, err := workflow.Open(paths)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(w.ctx)
	run := &ingestRun{cancel: cancel, done: make(chan struct{}), loaded: make(chan struct{}), label: "ingest " + evidenceNames(paths)}
	w.ingest = run
	st, eng := w.st, w.eng
	opt := workflow.Options{Examiner: w.session.Name, Now: w.opt.Clock.Now, Verify: w.verifyIngest, Engine: eng,
		Signals: w.caseSignals(), Warn: run.warn, Stage: run.stage, Note: func(id, note string) { run.warn(id + ": " + note) }}
	go func() {
		defer close(run.done)
		defer workflow.Close(srcs)
		restoreGC, restoreProcs := membudget.ForIngest(), procs.ForIngest()
		sums, err := workflow.Run(ctx, st, srcs, opt)
		restoreGC()
		restoreProcs()
		run.mu.Lock()
		run.sum, run.err = append(run.sum, sums...), err
		run.mu.Unlock()
		// Never wait for the UI goroutine here: closing the case waits
		// for this goroutine. run.loaded tells WaitIngest the queue is read.
		finish := func() {
			if w.ingest != run || w.st != st {
				close(run.loaded)
				return
			}
			w.loadQueue(func() { close(run.loaded) })
			if w.screen == "case" {
				w.showCaseScreen()
			}
		}
		if w.testDriver {
			run.finish = finish // run by WaitIngest, on the test's goroutine
			return
		}
		fyne.Do(finish)
	}()
	if w.screen == "case" {
		w.showCaseScreen()
	}
	return nil
}

// WaitIngest blocks until the background ingest (if any) ends, and returns
// its error.
func (w *Workstation) WaitIngest() error {
	if w.ingest == nil {
		return nil
	}
	w.ingest.wait()
	if f := w.ingest.finish; f != nil {
		w.ingest.finish = nil
		f()
	}
	<-w.ingest.loaded
	w.ingest.mu.Lock()
	defer w.ingest.mu.Unlock()
	return w.ingest.err
}

func (w *Workstation) showCaseScreen() {
	caseDir := widget.NewEntry()
	caseDir.SetPlaceHolder("Case directory (created when new)")
	msg := widget.NewLabel("")
	msg.Wrapping = fyne.TextWrapWord
	encrypt := newEncryptChoice()
	open := func() {
		if err := w.openChosen(strings.TrimSpace(caseDir.Text), encrypt); err != nil {
			msg.SetText(err.Error())
		}
	}
	browseCase := widget.NewButton("Browse…", func() {
		dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
			if err == nil && u != nil {
				caseDir.SetText(u.Path())
			}
		}, w.win)
	})
	top := container.NewVBox(header("Scrim — "+w.session.Name+" ("+string(w.session.Role)+")",
		w.dashboardButton(), widget.NewButton("Sign out", w.SignOut)))
	if w.st == nil {
		body := container.NewVBox(widget.NewLabel("Open or create a case"),
			container.NewBorder(nil, nil, nil, container.NewHBox(browseCase, widget.NewButton("Open", open)), caseDir), encrypt.box, msg,
			w.recentCases(msg))
		w.show("case", container.NewBorder(top, nil, nil, nil, container.NewPadded(body)))
		return
	}
	// A case is open: its evidence, the ingest, the counts.
	evPath := widget.NewEntry()
	evPath.SetPlaceHolder("Evidence: folder, disk image (E01, raw, VMDK, VHD/X, ISO) or file")
	add := func() {
		if err := w.AddEvidence(strings.TrimSpace(evPath.Text)); err != nil {
			msg.SetText(err.Error())
		}
	}
	verify := widget.NewCheck("Verify acquisition hashes (disk images)", func(on bool) { w.verifyIngest = on })
	verify.SetChecked(w.verifyIngest)
	browseEv := widget.NewButton("Browse…", func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				evPath.SetText(r.URI().Path())
				r.Close()
			}
		}, w.win)
	})
	evList := widget.NewLabel(w.evidenceText())
	counts := widget.NewLabel(w.countsText())
	progress := widget.NewProgressBar()
	rate := widget.NewLabel("")
	cancel := widget.NewButton("Cancel ingest", func() {
		if w.ingest != nil {
			w.ingest.cancel()
		}
	})
	ingestBox := container.NewVBox()
	if run := w.ingest; run != nil {
		select {
		case <-run.done:
			run.mu.Lock()
			if run.err != nil {
				msg.SetText(fmt.Sprintf("%s stopped: %v (add it again to resume)", run.label, run.err))
			} else if n := len(run.sum); n > 0 {
				s := run.sum[n-1]
				msg.SetText(fmt.Sprintf("ingest of %s done: %d files, %d new media, %d errors, %.0f files/s", s.Evidence, s.Seen, s.NewMedia, s.Errors, s.FilesPerSec))
			}
			if len(run.notes) > 0 {
				msg.SetText(msg.Text + "\nwarning: " + strings.Join(run.notes, "\nwarning: "))
			}
			run.mu.Unlock()
		default:
			label, _ := run.snapshot()
			ingestBox.Add(widget.NewLabel("Running " + label))
			ingestBox.Add(progress)
			ingestBox.Add(container.NewHBox(rate, cancel))
			w.trackProgress(run, progress, rate)
		}
	}
	review := widget.NewButton("Review (grid)", w.showReview)
	review.Importance = widget.HighImportance
	if w.loading {
		counts.SetText("Loading the review queue…")
		review.Disable()
	} else if w.loadErr != nil {
		counts.SetText("The review queue could not be read: " + w.loadErr.Error())
	}
	body := container.NewVBox(
		widget.NewLabelWithStyle("Case "+w.caseName()+" · scheme "+w.scheme.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("Evidence"), evList,
		container.NewBorder(nil, nil, nil, container.NewHBox(browseEv, widget.NewButton("Add evidence", add)), evPath), verify,
		ingestBox, msg,
		widget.NewSeparator(), counts, review, w.exportButtons(msg),
		widget.NewButton("Close case", func() { w.closeCase(); w.showCaseScreen() }))
	w.show("case", container.NewBorder(top, nil, nil, nil, container.NewVScroll(container.NewPadded(body))))
}

func (w *Workstation) trackProgress(run *ingestRun, bar *widget.ProgressBar, rate *widget.Label) {
	if w.testDriver {
		return
	}
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-run.done:
				return
			case <-tick.C:
				_, p := run.snapshot()
				fyne.Do(func() {
					el := time.Since(p.Started).Seconds()
					if frac, known := p.Fraction(); known {
						bar.SetValue(frac)
					}
					rate.SetText(ingestRateText(p, el))
				})
			}
		}
	}()
}

func (w *Workstation) evidenceText() string {
	evs, err := w.st.ListEvidence()
	if err != nil {
		return err.Error()
	}
	if len(evs) == 0 {
		return "none yet"
	}
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%s — %s (%s)\n", e.ID, e.Path, e.Format)
		// What could not be read: encrypted volumes, unread filesystems,
		// carved-only regions.
		for _, n := range e.Notes {
			fmt.Fprintf(&b, "    note: %s\n", n)
		}
	}
	return strings.TrimSpace(b.String())
}

func (w *Workstation) countsText() string {
	if w.desk == nil {
		return ""
	}
	c := w.desk.Model.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "%d pictures and videos (%d videos) · %d still need review · %d from hash sets · %d decided by examiners\n",
		w.desk.Model.Total(), c.Videos, c.NeedsReview, c.HashSet, c.Examiner)
	codes := make([]string, 0, len(c.ByCategory))
	for k := range c.ByCategory {
		codes = append(codes, k)
	}
	sort.Strings(codes)
	for _, code := range codes {
		label := code
		if cat, ok := w.scheme.ByCode(code); ok {
			label = code + " " + cat.Label
		}
		fmt.Fprintf(&b, "  %-40s %d\n", label, c.ByCategory[code])
	}
	return strings.TrimRight(b.String(), "\n")
}

// ingestRateText is the line under the ingest bar: members of archives are
// counted apart, since the file total cannot know them ahead.
func ingestRateText(p ingest.Progress, el float64) string {
	el = max(el, 1e-9)
	members := ""
	if p.MembersDone > 0 {
		members = fmt.Sprintf(" + %d members", p.MembersDone)
	}
	fps := float64(p.FilesDone+p.MembersDone) / el
	return fmt.Sprintf("%d/%d files%s · %.0f files/s · %.1f MB/s", p.FilesDone, p.FilesTotal, members, fps, float64(p.BytesDone)/1e6/el)
}

// evidenceNames names the paths of one run for its progress line.
func evidenceNames(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ", ")
}
