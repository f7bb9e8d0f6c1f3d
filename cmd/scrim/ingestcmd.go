package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"scrim/categorize"
	"scrim/ingest"
	"scrim/ingest/expand"
	"scrim/ingest/picture"
	"scrim/ingest/workflow"
	"scrim/profile"
)

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ingest", "--case CASEDIR [options] PATH...\n\n"+
		"A PATH that is not a folder or a file of a known type is read as disk media. What could not\n"+
		"be read (an encrypted volume, a filesystem Scrim cannot read, a region only carved) is noted\n"+
		"on stderr as \"scrim ingest: EVIDENCE: NOTE\" and counted in errors; scrim stats repeats it.\n\n"+
		"Stopped by Ctrl-C, a kill, or a case disk with less than 1 GiB free (kept for the case's\n"+
		"merges), an ingest keeps what it committed: run the same command again to resume.", stderr)
	caseDir := fs.caseFlags("case directory (created if missing); refused when it is, lies inside or holds an evidence PATH")
	examiner := fs.String("examiner", os.Getenv("USER"), "examiner name recorded on the evidence")
	name := fs.String("evidence", "", "evidence name, e.g. the exhibit number (one PATH only; default: the PATH's base name)")
	workers := fs.Int("workers", 0, "files analysed at once (default: one per CPU, plus one)")
	maxDepth := fs.Int("max-depth", 8, "expand archives, compressed files, documents (PDF images, OLE2 streams, e-mail attachments), disk images (E01, VMDK, raw...) and pictures hidden in other files this many levels deep, by content (0: do not expand); limits hit are noted on the evidence. Cellebrite UFDRs, phone TAR/ZIP trees and iTunes backups in folders give each file its device path")
	maxPixels := fs.Int64("max-pixels", 0, "refuse to decode pictures larger than this many pixels (default 100000000)")
	progressMode := fs.String("progress", "auto", "progress on stderr: auto (bar when a terminal), bar, plain (a line a second), none; members of archives are counted apart (N/M files + K members)")
	progressEvery := fs.Duration("progress-interval", 0, "time between progress updates (default 200ms for bar, 1s for plain)")
	schemeChoice := fs.String("scheme", "", "category scheme of a new case: vic-us (default), caid-uk, oliver, or a scheme JSON file")
	verify := fs.Bool("verify", false, "after ingest, hash each disk image's whole media and check it against the acquisition hashes it stores (E01)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	verbose := fs.Bool("verbose", false, "print store warnings")
	encrypt := fs.Bool("encrypt", false, "encrypt a new case at rest (AES-256) with the passphrase on stdin (--passphrase-stdin, at least 12 characters) or --key-file FILE (32+ random bytes); losing both loses the case")
	sig := fs.signalsFlags()
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
	srcs, err := workflow.Open(paths)
	if err != nil {
		return err
	}
	defer workflow.Close(srcs)
	// Nothing is created before the case and the profile store are known
	// to stay clear of the evidence.
	if caseDir.dir != "" {
		places := []workflow.Place{{What: "case directory", Path: caseDir.dir}, {What: "profile store ($SCRIM_HOME)", Path: profile.DefaultHome()}}
		if err := workflow.CheckPaths(places, paths); err != nil {
			return err
		}
	}
	caseDir.encrypt = *encrypt
	st, err := openCase(caseDir, true, *verbose)
	if err != nil {
		return err
	}
	// Closing waits for the merges the ingest owes, unless interrupted.
	defer st.CloseContext(ctx)
	if *schemeChoice != "" {
		if _, err := categorize.SetCaseScheme(st, *schemeChoice); err != nil {
			return err
		}
	}

	an, err := resolveSignals(st, sig, stderr)
	if err != nil {
		return err
	}

	// One warning per kind for the whole command, however many PATHs.
	warned := map[string]bool{}
	warn := func(msg string) {
		if !warned[msg] {
			warned[msg] = true
			fmt.Fprintln(stderr, "scrim: warning:", msg)
		}
	}
	results, err := workflow.Run(ctx, st, srcs, workflow.Options{
		Examiner: *examiner,
		Name:     *name,
		Workers:  *workers,
		Picture:  picture.Options{MaxPixels: *maxPixels},
		Expand:   expand.Limits{MaxDepth: expandDepth(*maxDepth)},
		Verify:   *verify,
		Signals:  an,
		Warn:     warn,
		Stage: func(stage, id string, progress func() ingest.Progress) func() {
			every := *progressEvery
			if stage != "ingest" {
				every = 0
			}
			label := stage + " " + id
			if id == "" {
				label = stage
			}
			return startProgress(*progressMode, every, stderr, label, progress)
		},
		Note: func(id, note string) { fmt.Fprintf(stderr, "scrim ingest: %s: %s\n", id, note) },
		Done: func(sum ingest.Summary) {
			if !*asJSON {
				printSummary(stdout, sum)
			}
		},
	})
	var stopped *workflow.Interrupted
	if errors.As(err, &stopped) {
		return fmt.Errorf("interrupted after %d files of %s; what was done is saved: run the same command again to resume", stopped.Files, stopped.Evidence)
	}
	if err != nil {
		return err
	}
	matchLabAfterIngest(ctx, st, stderr)
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
	if s.Signals+s.SignalsDeferred > 0 {
		fmt.Fprintf(w, "%s: signals for %d media during the ingest, %d left for the pass after it\n", s.Evidence, s.Signals, s.SignalsDeferred)
	}
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

// expandDepth maps the flag (0: off) to the ingest option (0: default,
// negative: off).
func expandDepth(flag int) int {
	if flag <= 0 {
		return -1
	}
	return flag
}
