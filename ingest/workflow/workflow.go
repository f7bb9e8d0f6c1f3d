// Package workflow is the one ingest workflow the command line and the
// workstation share: check that no written place touches the evidence, ingest
// each source, optionally verify its acquisition hashes, then match the
// case's hash sets. Every step writes its audit entry. Progress, warnings and
// results reach the caller through callbacks, so the CLI keeps its progress
// bar and the workstation its progress widget.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"scrim/categorize"
	"scrim/ingest"
	"scrim/ingest/evidence"
	"scrim/ingest/expand"
	"scrim/ingest/picture"
	"scrim/signals"
	"scrim/store"
)

// Options of one run.
type Options struct {
	Examiner string
	// Name is the evidence name (exhibit number) of a single source; ""
	// takes the source's base name.
	Name    string
	Workers int
	Picture picture.Options
	// Expand bounds the expansion of archives and other containers found
	// in the evidence (zero: the defaults, depth 8; MaxDepth < 0: off).
	Expand expand.Limits
	// Verify hashes each disk image's whole media after its ingest and
	// checks it against the acquisition hashes it stores.
	Verify bool
	// Engine matches the hash sets; nil uses a new engine on the case's
	// scheme. The workstation passes its own so its tables are refreshed.
	Engine *categorize.Engine
	// Now supplies timestamps (tests pin it); nil means time.Now.
	Now func() time.Time
	// Signals runs the face, age and nudity models during the ingest
	// (nil: off); media the models could not keep up with get them in a
	// pass after the ingests (stage "signals").
	Signals signals.Analyzer

	// Warn receives one-line warnings of the ingest (ffmpeg missing).
	Warn func(string)
	// Stage is called when a stage ("ingest", "verify") of an evidence
	// begins, with a progress snapshot function; the returned func is
	// called when the stage ends. Nil shows nothing.
	Stage func(stage, evidenceID string, progress func() ingest.Progress) (end func())
	// Note receives what the user should know about an evidence: what
	// could not be read, that it has nothing to verify.
	Note func(evidenceID, note string)
	// Done receives each evidence's summary as soon as it is finished.
	Done func(ingest.Summary)
}

// Interrupted is the error of a run stopped by a signal or a cancel. The
// evidence's status says "interrupted"; running the same ingest again
// resumes it.
type Interrupted struct {
	Evidence string
	Files    int64 // entries seen (added or already in the case) before the stop
	Err      error
}

func (e *Interrupted) Error() string {
	return fmt.Sprintf("ingest of %s interrupted after %d files: %v", e.Evidence, e.Files, e.Err)
}

func (e *Interrupted) Unwrap() error { return e.Err }

// Open opens every source first: a typo in the last path should not be found
// after an hour of ingesting the first. On error nothing stays open.
func Open(paths []string) ([]evidence.Source, error) {
	var srcs []evidence.Source
	for _, p := range paths {
		src, err := evidence.Open(p)
		if err != nil {
			Close(srcs)
			return nil, err
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}

// Close closes sources opened by Open.
func Close(srcs []evidence.Source) {
	for _, s := range srcs {
		s.Close()
	}
}

// Run ingests the sources into the open case, in order, then matches the
// hash sets. The caller has checked the paths (CheckPaths) before opening
// or creating the case.
func Run(ctx context.Context, st *store.Store, srcs []evidence.Source, opt Options) ([]ingest.Summary, error) {
	if opt.Name != "" && len(srcs) > 1 {
		return nil, errors.New("an evidence name names one item; give one path with it")
	}
	stage := opt.Stage
	if stage == nil {
		stage = func(string, string, func() ingest.Progress) func() { return func() {} }
	}
	note := opt.Note
	if note == nil {
		note = func(string, string) {}
	}
	eng := opt.Engine
	if eng == nil {
		scheme, err := categorize.CaseScheme(st)
		if err != nil {
			return nil, err
		}
		eng = categorize.NewEngine(st, scheme)
	}
	results, err := ingestEach(ctx, st, srcs, opt, stage, note)
	// New fingerprints, even from a stopped run: the next pass reads them.
	eng.ForgetTables()
	if err != nil {
		return results, err
	}
	if err := signalsPass(ctx, st, results, opt, stage); err != nil {
		return results, err
	}
	// Known material is sorted out before anyone looks: match the imported
	// hash sets and propagate categories to near-duplicates.
	if _, err := eng.MatchKnown(ctx); err != nil {
		return results, fmt.Errorf("match hash sets: %w", err)
	}
	return results, nil
}

// ingestEach ingests and, when asked, verifies each source in turn.
func ingestEach(ctx context.Context, st *store.Store, srcs []evidence.Source, opt Options,
	stage func(string, string, func() ingest.Progress) func(), note func(string, string)) ([]ingest.Summary, error) {
	var results []ingest.Summary
	for _, src := range srcs {
		abs, err := filepath.Abs(src.Info().Path)
		if err != nil {
			return results, err
		}
		id, err := ingest.EvidenceID(st, abs, opt.Name)
		if err != nil {
			return results, err
		}
		in := ingest.New(st, ingest.Options{Examiner: opt.Examiner, Workers: opt.Workers, Picture: opt.Picture, Expand: opt.Expand, Warn: opt.Warn, Now: opt.Now, Signals: opt.Signals})
		end := stage("ingest", id, in.Progress)
		sum, err := in.Ingest(ctx, src, id)
		end()
		if err != nil {
			if ctx.Err() != nil {
				return results, &Interrupted{Evidence: id, Files: sum.Added + sum.Skipped, Err: err}
			}
			return results, err
		}
		if opt.Verify {
			v, err := verify(ctx, st, src, id, opt, stage, note)
			if err != nil {
				return results, err
			}
			sum.Verification = v
		}
		for _, n := range sum.Notes {
			note(id, n)
		}
		results = append(results, sum)
		if opt.Done != nil {
			opt.Done(sum)
		}
	}
	return results, nil
}

// signalsPass gives the media the signals stage deferred (the models fell
// behind the hashing) their signals from the stored thumbnails, and after a
// resumed run those whose signals a killed run never wrote.
func signalsPass(ctx context.Context, st *store.Store, results []ingest.Summary, opt Options,
	stage func(string, string, func() ingest.Progress) func()) error {
	var deferred, resumed int64
	for _, r := range results {
		deferred += r.SignalsDeferred
		resumed += r.Skipped
	}
	if opt.Signals == nil || deferred+resumed == 0 {
		return nil
	}
	p := ingest.NewPassProgress()
	end := stage("signals", "", p.Snapshot)
	_, err := ingest.Pass(ctx, st, opt.Signals, ingest.PassOptions{Examiner: opt.Examiner, Workers: opt.Workers, Now: opt.Now, Progress: p.Set})
	end()
	if err != nil {
		return fmt.Errorf("signals pass after ingest: %w", err)
	}
	return nil
}
