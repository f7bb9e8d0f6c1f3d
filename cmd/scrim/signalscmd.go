package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"scrim/ingest"
	"scrim/signals"
	"scrim/signals/models"
	"scrim/store"
)

// signalsChoice is what --signals and --models asked for.
type signalsChoice struct {
	mode   string // "on", "off" or "" (the case's setting, else on when the models are found)
	models string // folder of the models; "" locates them
}

func (fs *cmdFlags) signalsFlags() *signalsChoice {
	c := &signalsChoice{}
	fs.StringVar(&c.mode, "signals", "", "face, age and nudity signals (on|off), kept as the case's setting; default: the case's setting, else on when the models are found")
	fs.StringVar(&c.models, "models", "", "folder holding the signals models (default: $SCRIM_MODELS, else .cache/models beside the binary or the working directory)")
	return c
}

// resolveSignals settles whether this run makes signals and loads the
// models. Models that are absent turn signals off with one line on stderr
// unless signals were asked for explicitly (then it is an error); a choice
// given on the command line is kept as the case's setting.
func resolveSignals(st *store.Store, c *signalsChoice, stderr io.Writer) (signals.Analyzer, error) {
	switch c.mode {
	case "", "on", "off":
	default:
		return nil, usageErr("--signals takes on or off, not %q", c.mode)
	}
	if c.mode != "" {
		if err := st.SetMeta(store.MetaSignals, c.mode); err != nil {
			return nil, err
		}
	}
	mode := c.mode
	if mode == "" {
		var err error
		if mode, err = st.Meta(store.MetaSignals); err != nil {
			return nil, err
		}
	}
	if mode == "off" {
		return nil, nil
	}
	an, err := loadSignalModels(c.models)
	if err != nil {
		if mode == "on" {
			return nil, fmt.Errorf("signals are on for this case but: %w (give --models DIR, or --signals off)", err)
		}
		if errors.Is(err, models.ErrNotFound) {
			fmt.Fprintf(stderr, "scrim: %v\n", err) // says "signals off: models not found in ..."
		} else {
			fmt.Fprintf(stderr, "scrim: signals off: %v\n", err)
		}
		return nil, nil
	}
	return an, nil
}

func runSignals(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("signals", "--case CASEDIR [--redo] [--models DIR]\n\n"+
		"Runs the face, age and nudity models over every picture and video of the case that has no signals yet\n"+
		"(pictures from their stored thumbnails; videos sampled again from their evidence, read-only, else from\n"+
		"their contact sheets, which the record notes). Signals never set a category. Stopped, it resumes\n"+
		"where it was; --redo analyses everything again (a resumed --redo does not start over).", stderr)
	caseDir := fs.caseFlags("case directory")
	models := fs.String("models", "", "folder holding the signals models (default: $SCRIM_MODELS, else .cache/models beside the binary or the working directory)")
	redo := fs.Bool("redo", false, "analyse media that already have signals again")
	examiner := fs.String("examiner", os.Getenv("USER"), "examiner name recorded in the audit log")
	workers := fs.Int("workers", 0, "pictures analysed at once (default: one per CPU)")
	progressMode := fs.String("progress", "auto", "progress on stderr: auto (bar when a terminal), bar, plain (a line a second), none")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	an, err := loadSignalModels(*models)
	if err != nil {
		return fmt.Errorf("signals: %w", err)
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	p := ingest.NewPassProgress()
	stop := startProgress(*progressMode, 0, stderr, "signals", p.Snapshot)
	sum, err := ingest.Pass(ctx, st, an, ingest.PassOptions{Examiner: *examiner, Redo: *redo, Workers: *workers, Progress: p.Set})
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("signals stopped after %d media; what was done is saved: run the same command again to resume", sum.Analysed)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	fmt.Fprintf(stdout, "signals: %d pictures and videos, %d analysed, %d already had signals, %d errors\n",
		sum.Candidates, sum.Analysed, sum.Skipped, sum.Errors)
	return nil
}
