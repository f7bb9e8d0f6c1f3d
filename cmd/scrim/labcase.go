package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"scrim/categorize"
	"scrim/export"
	"scrim/lab"
	"scrim/profile"
	"scrim/store"
)

// The unit's known-material library: `scrim lab case|send|match|library|export`.

// labWorkstation is how records sent from the command line name this
// workstation: its ID in the lab, the one the desk's records carry
// (profile.WorkstationID of $SCRIM_HOME).
func labWorkstation() (string, error) {
	id, err := profile.WorkstationID(profile.DefaultHome())
	if errors.Is(err, profile.ErrLocked) {
		return "", fmt.Errorf("%w (the desktop app holds it and has not joined the lab yet: close it first)", err)
	}
	return id, err
}

// openCheckedLab opens the lab flagURL or $SCRIM_LAB names and checks
// that its schema is this scrim's.
func openCheckedLab(ctx context.Context, flagURL string) (*lab.Lab, error) {
	return openLabWith(ctx, flagURL, lab.OpenChecked)
}

// sendCase sends the case's lab outbox, naming this workstation.
func sendCase(ctx context.Context, l *lab.Lab, st *store.Store) (lab.SendResult, error) {
	ws, err := labWorkstation()
	if err != nil {
		return lab.SendResult{}, err
	}
	return lab.SendCase(ctx, l, st, ws)
}

func labCase(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab case", `--case CASEDIR [--private | --shared] [--number N] [--json]

Shows or sets the case's lab facts. A private case sends nothing to the
lab's library: its decisions stay in its outbox, and go out only if the
case is later marked --shared. --number records the case number the
library cites (lab:NUMBER/EXAMINER).`, stderr)
	caseDir := fs.caseFlags("case directory")
	private := fs.Bool("private", false, "keep this case's decisions out of the lab")
	shared := fs.Bool("shared", false, "send this case's decisions to the lab (the default)")
	number := fs.String("number", "", "the case number")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *private && *shared {
		return usageErr("give --private or --shared, not both")
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if *private || *shared {
		if err := st.SetMeta(store.MetaLabPrivate, fmt.Sprint(*private)); err != nil {
			return err
		}
	}
	if *number != "" {
		if err := st.SetMeta(store.MetaCaseNumber, strings.TrimSpace(*number)); err != nil {
			return err
		}
	}
	c, priv, err := lab.CaseOf(st, "")
	if err != nil {
		return err
	}
	waiting, err := st.LabOutboxLen()
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"case_number": c.Number, "case_uid": c.UID, "private": priv, "waiting": waiting})
	}
	fmt.Fprintf(stdout, "case number: %s\ncase id:     %s\nlab:         %s\nwaiting:     %d decision(s) and undo(s) not yet in the lab\n",
		c.Number, c.UID, map[bool]string{true: "private (nothing is sent)", false: "shared"}[priv], waiting)
	return nil
}

func labSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab send", `--case CASEDIR [--lab URL] [--json]

Sends the case's decisions and undos the lab does not hold yet (made
before a lab was set, or while it was out of reach). Each is sent once:
a resend is ignored by the lab.`, stderr)
	caseDir := fs.caseFlags("case directory")
	url := labFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	l, err := openCheckedLab(ctx, *url)
	if err != nil {
		return err
	}
	defer l.Close()
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := sendCase(ctx, l, st)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	if res.Private {
		fmt.Fprintf(stdout, "case is private: nothing sent (%d waiting)\n", res.Waiting)
		return nil
	}
	fmt.Fprintf(stdout, "%d record(s) sent to lab %s\n", res.Sent, l)
	return nil
}

// sendAfterDecision sends a case's outbox (decisions and undos) at once
// when a lab is set; a lab out of reach is only a warning: they wait in
// the outbox for the next send.
func sendAfterDecision(ctx context.Context, st *store.Store, stderr io.Writer) {
	u, err := labURL("")
	if err == nil && u == "" {
		return
	}
	var l *lab.Lab
	if err == nil {
		l, err = openCheckedLab(ctx, u)
	}
	if err == nil {
		defer l.Close()
		_, err = sendCase(ctx, l, st)
	}
	if err != nil {
		fmt.Fprintf(stderr, "scrim: the decisions are kept in the case and wait for the lab (scrim lab send): %v\n", err)
	}
}

func labMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab match", `--case CASEDIR [--lab URL] [--no-near] [--json]

Sends the case's waiting decisions, then matches its media against the
lab's library: the same SHA-256 (MD5 and SHA-1 cross-checked; a mismatch
is listed as a conflict) gives category_source lab:CASE/EXAMINER, a
near-duplicate picture a suggestion lab:CASE/EXAMINER (d=N). Withdrawn
records no longer match: their categories are removed. Records of another
scheme are mapped as hash sets are, or refused with the reason.`, stderr)
	caseDir := fs.caseFlags("case directory")
	url := labFlag(fs)
	noNear := fs.Bool("no-near", false, "exact matches only")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	l, err := openCheckedLab(ctx, *url)
	if err != nil {
		return err
	}
	defer l.Close()
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := sendCase(ctx, l, st); err != nil {
		return err
	}
	ms, err := lab.MatchCase(ctx, l, eng, st, lab.MatchOptions{NoNear: *noNear})
	if err != nil {
		return err
	}
	if err := eng.Suggest(ctx); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(ms)
	}
	fmt.Fprintf(stdout, "%d media matched the lab's library exactly, %d near-duplicate(s) suggested, %d lab categor(ies) removed\n",
		ms.Exact, ms.Near, ms.Removed)
	fmt.Fprintf(stdout, "records used: %d; cases: %s; examiners: %s\n", ms.Records, strings.Join(ms.Cases, ", "), strings.Join(ms.Examiners, ", "))
	for _, c := range ms.Conflicts {
		fmt.Fprintf(stdout, "conflict: %s\n", c)
	}
	for _, r := range ms.Refused {
		fmt.Fprintf(stdout, "refused: %s\n", r)
	}
	return nil
}

func labLibrary(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab library", `[--lab URL] [--json]

Counts the lab's library records per scheme, category, case and examiner,
and how many of them are withdrawn.`, stderr)
	url := labFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	l, err := openLab(ctx, *url)
	if err != nil {
		return err
	}
	defer l.Close()
	rows, err := l.Library(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if rows == nil {
			rows = []lab.LibraryCount{}
		}
		return json.NewEncoder(stdout).Encode(rows)
	}
	fmt.Fprintf(stdout, "%-8s %-8s %-16s %-16s %8s %9s\n", "scheme", "category", "case", "examiner", "records", "withdrawn")
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-8s %-8s %-16s %-16s %8d %9d\n", r.Scheme, r.Category, r.Case, r.Examiner, r.Records, r.Withdrawn)
	}
	return nil
}

func labExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab export", `--format vics [--scheme vic-us|caid-uk] [--out FILE] [--lab URL]

Writes the lab's library (records in force) as a VICS hash set in the
scheme's data model, one media per SHA-256 (the most severe category when
examiners disagree; every source named in Comments). Records of another
scheme are mapped as hash sets are; those with no safe mapping are left
out and counted. Re-imports with scrim hashset import --format vics.`, stderr)
	url := labFlag(fs)
	format := fs.String("format", "", "vics")
	schemeID := fs.String("scheme", "vic-us", "the scheme to write")
	out := fs.String("out", "", "output file (default stdout)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *format != "vics" {
		return usageErr("lab export: --format vics is the only format")
	}
	sch, ok := categorize.SchemeByID(*schemeID)
	if !ok {
		return usageErr("lab export: unknown scheme %q", *schemeID)
	}
	l, err := openLab(ctx, *url)
	if err != nil {
		return err
	}
	defer l.Close()
	w := stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	vw, err := export.NewVICSWriter(w, sch.ID)
	if err != nil {
		return err
	}
	refused := 0
	var group []lab.Record
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		best, sev := "", -1
		var from []string
		for _, r := range group {
			code, err := categorize.MapSchemeCode(r.Scheme, r.Category, sch)
			if err != nil {
				refused++
				continue
			}
			if c, _ := sch.ByCode(code); c.Severity > sev {
				best, sev = code, c.Severity
			}
			from = append(from, "lab:"+r.Case+"/"+r.Examiner+"="+code)
		}
		r := group[0]
		group = group[:0]
		if best == "" {
			return nil
		}
		sort.Strings(from)
		return vw.Add(export.VICSRecord{Category: best, MD5: r.MD5, SHA1: r.SHA1, Precategorized: true,
			Comments: "scrim " + strings.Join(from, " ")})
	}
	err = l.EachRecord(ctx, func(r lab.Record) error {
		if len(group) > 0 && group[0].SHA256 != r.SHA256 {
			if err := flush(); err != nil {
				return err
			}
		}
		group = append(group, r)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	if err := vw.Close(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%d media written as VICS (%s); %d record(s) with no safe mapping into %s left out\n", vw.Written(), sch.ID, refused, sch.ID)
	return nil
}

// matchLabAfterIngest matches a case just ingested against the lab's
// library when a lab is set. The lab out of reach is a warning: the
// evidence is in the case, and `scrim lab match` can run later.
func matchLabAfterIngest(ctx context.Context, st *store.Store, stderr io.Writer) {
	u, err := labURL("")
	if err == nil && u == "" {
		return
	}
	err = func() error {
		if err != nil {
			return err
		}
		l, err := openCheckedLab(ctx, u)
		if err != nil {
			return err
		}
		defer l.Close()
		sch, err := categorize.CaseScheme(st)
		if err != nil {
			return err
		}
		eng := categorize.NewEngine(st, sch)
		if _, err := sendCase(ctx, l, st); err != nil {
			return err
		}
		ms, err := lab.MatchCase(ctx, l, eng, st, lab.MatchOptions{})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "scrim ingest: lab %s: %d media matched the library exactly, %d near-duplicate(s) suggested, %d conflict(s)\n",
			l, ms.Exact, ms.Near, len(ms.Conflicts))
		return eng.Suggest(ctx)
	}()
	if err != nil {
		fmt.Fprintf(stderr, "scrim: warning: the lab's library was not matched (run scrim lab match later): %v\n", err)
	}
}
