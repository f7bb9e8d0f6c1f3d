package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"scrim/categorize"
	"scrim/ingest"
	"scrim/ingest/evidence"
	"scrim/ingest/picture"
	"scrim/store"
)

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", "--case CASEDIR [options] PATH...", stderr)
	caseDir := fs.caseFlags("case directory (created if missing)")
	examiner := fs.String("examiner", os.Getenv("USER"), "examiner name recorded on the evidence")
	name := fs.String("evidence", "", "evidence name, e.g. the exhibit number (one PATH only; default: the PATH's base name)")
	workers := fs.Int("workers", 0, "files analysed at once (default: one per CPU)")
	maxPixels := fs.Int64("max-pixels", 0, "refuse to decode pictures larger than this many pixels (default 100000000)")
	progressMode := fs.String("progress", "auto", "progress on stderr: auto (bar when a terminal), bar, plain (a line a second), none")
	progressEvery := fs.Duration("progress-interval", 0, "time between progress updates (default 200ms for bar, 1s for plain)")
	schemeChoice := fs.String("scheme", "", "category scheme of a new case: vic-us (default), caid-uk, oliver, or a scheme JSON file")
	verify := fs.Bool("verify", false, "after ingest, hash each disk image's whole media and check it against the acquisition hashes it stores (E01)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	verbose := fs.Bool("verbose", false, "print store warnings")
	encrypt := fs.Bool("encrypt", false, "encrypt a new case at rest (AES-256) with the passphrase on stdin (--passphrase-stdin, at least 12 characters) or --key-file FILE (32+ random bytes); losing both loses the case")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErr("give at least one evidence PATH")
	}
	if *name != "" && len(paths) > 1 {
		return usageErr("--evidence names one item; give one PATH with it")
	}
	// Open every source first: a typo in the last path should not be found
	// after an hour of ingesting the first.
	var sources []evidence.Source
	for _, p := range paths {
		src, err := evidence.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		sources = append(sources, src)
	}
	caseDir.encrypt = *encrypt
	st, err := openCase(caseDir, true, *verbose)
	if err != nil {
		return err
	}
	defer st.Close()
	if *schemeChoice != "" {
		if _, err := categorize.SetCaseScheme(st, *schemeChoice); err != nil {
			return err
		}
	}

	var results []ingest.Summary
	// One warning per kind for the whole command, however many PATHs.
	warned := map[string]bool{}
	warn := func(msg string) {
		if !warned[msg] {
			warned[msg] = true
			fmt.Fprintln(stderr, "scrim: warning:", msg)
		}
	}
	for _, src := range sources {
		abs, _ := filepath.Abs(src.Info().Path)
		id, err := ingest.EvidenceID(st, abs, *name)
		if err != nil {
			return err
		}
		in := ingest.New(st, ingest.Options{
			Examiner: *examiner,
			Workers:  *workers,
			Picture:  picture.Options{MaxPixels: *maxPixels},
			Warn:     warn,
		})
		stopProgress := startProgress(*progressMode, *progressEvery, stderr, "ingest "+id, in.Progress)
		sum, err := in.Ingest(ctx, src, id)
		stopProgress()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted after %d files of %s; what was done is saved: run the same command again to resume", sum.Added+sum.Skipped, id)
			}
			return err
		}
		if *verify {
			v, err := verifyEvidence(ctx, st, src, id, *progressMode, stderr)
			if err != nil {
				return err
			}
			sum.Verification = v
		}
		for _, n := range sum.Notes {
			fmt.Fprintf(stderr, "scrim ingest: %s: %s\n", sum.Evidence, n)
		}
		results = append(results, sum)
		if !*asJSON {
			printSummary(stdout, sum)
		}
	}
	// Known material is sorted out before anyone looks: match the imported
	// hash sets and propagate categories to near-duplicates.
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		return err
	}
	if _, err := categorize.NewEngine(st, scheme).MatchKnown(ctx); err != nil {
		return fmt.Errorf("match hash sets: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	return nil
}

func printSummary(w io.Writer, s ingest.Summary) {
	fmt.Fprintf(w, "%s (%s %s): %d files seen, %d added, %d already in case, %d new media, %d errors; %s read in %s (%.0f files/s, %.1f MB/s)\n",
		s.Evidence, s.Format, s.Path, s.Seen, s.Added, s.Skipped, s.NewMedia, s.Errors,
		humanBytes(s.Bytes), s.Duration.Round(time.Millisecond), s.FilesPerSec, s.MBPerSec)
	if v := s.Verification; v != nil {
		fmt.Fprintf(w, "%s: acquisition hashes %s (md5 %s, sha1 %s)%s\n", s.Evidence, v.Status, v.Computed["md5"], v.Computed["sha1"], suffix(v.Detail))
	}
}

func suffix(detail string) string {
	if detail == "" {
		return ""
	}
	return "; " + detail
}

// verifyEvidence hashes a disk image's whole media, compares it with the
// stored acquisition hashes, and records the outcome on the evidence record.
func verifyEvidence(ctx context.Context, st *store.Store, src evidence.Source, id, progressMode string, stderr io.Writer) (*store.Verification, error) {
	var done, total atomic.Int64
	start := time.Now()
	stop := startProgress(progressMode, 0, stderr, "verify "+id, func() ingest.Progress {
		return ingest.Progress{FilesDone: 0, BytesDone: done.Load(), BytesTotal: total.Load(), TotalKnown: true, Started: start}
	})
	v, err := evidence.Verify(ctx, src, func(d, t int64) { done.Store(d); total.Store(t) })
	stop()
	if errors.Is(err, evidence.ErrNothingToVerify) {
		fmt.Fprintf(stderr, "scrim ingest: %s is not a disk image; nothing to verify\n", id)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := &store.Verification{Status: v.Status, Computed: v.Computed, At: time.Now().UTC(), Detail: v.Detail}
	ev, ok, err := st.Evidence(id)
	if err != nil || !ok {
		return nil, fmt.Errorf("record verification of %s: evidence record missing (%v)", id, err)
	}
	ev.Verification = out
	if err := st.PutEvidence(ev); err != nil {
		return nil, err
	}
	_, err = st.Audit(ev.Examiner, "verify", map[string]string{"evidence": id, "status": out.Status,
		"md5": out.Computed["md5"], "sha1": out.Computed["sha1"], "detail": out.Detail}, out.At)
	return out, err
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
