package main

// The court package: `scrim export --format court` and `scrim court verify|show`.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"scrim/export/court"
	"scrim/export/job"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// wantsCourt tells runExport to hand the whole command line over: the court
// format has options of its own.
func wantsCourt(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--format=court" || a == "-format=court":
			return true
		case (a == "--format" || a == "-format") && i+1 < len(args) && args[i+1] == "court":
			return true
		}
	}
	return false
}

// readPassphrase reads one line of stdin: passphrases never go on the
// command line, where ps and shell history would keep them.
func readPassphrase(stdin io.Reader) (string, error) {
	line, err := readLine(stdin)
	if err != nil {
		return "", fmt.Errorf("read passphrase: %w", err)
	}
	p := strings.TrimRight(line, "\r\n")
	if p == "" {
		return "", usageErr("no passphrase on stdin")
	}
	return p, nil
}

// readLine reads up to a newline a byte at a time: a buffered reader would
// swallow the lines after it (the case passphrase after the bundle's, the
// SHA-256 list after a passphrase).
func readLine(r io.Reader) (string, error) {
	var b []byte
	var c [1]byte
	for len(b) < 4096 {
		n, err := r.Read(c[:])
		if n == 1 {
			if c[0] == '\n' {
				break
			}
			b = append(b, c[0])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return string(b), nil
}

func runCourtExport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "--case CASEDIR --format court --passphrase-stdin --out FILE"+court.Ext+" [--categories 1,2] [--attach FILE]... [--case-passphrase-stdin | --key-file FILE]\n\n"+
		"An encrypted case: its passphrase is the second line of stdin (--case-passphrase-stdin), after the bundle's, or give --key-file.", stderr)
	caseDir := fs.caseFlagsNamed("case directory", "case-passphrase-stdin")
	caseDir.stdin = stdin
	fs.String("format", "court", "court: one encrypted bundle for scrim-desktop")
	out := fs.String("out", "", "bundle file (conventionally "+court.Ext+")")
	cats := fs.String("categories", "", "category codes to include, comma-separated (default: the scheme's illegal categories)")
	passStdin := fs.Bool("passphrase-stdin", false, fmt.Sprintf("read the bundle passphrase (at least %d characters) from the first line of stdin", court.MinPassphrase))
	by := fs.String("examiner", os.Getenv("USER"), "who exports (recorded in the bundle and the audit log)")
	caseNumber := fs.String("case-number", "", "case number (default: the recorded one, else the case directory name)")
	title := fs.String("title", "", "case name shown to the court (default: the recorded title, else the case number)")
	var attach stringList
	fs.Var(&attach, "attach", "another file to carry in the bundle (repeatable)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("--out FILE is required")
	}
	if !*passStdin {
		return usageErr("--passphrase-stdin is required: the bundle is encrypted")
	}
	if *by == "" {
		return usageErr("--examiner NAME is required")
	}
	pass, err := readPassphrase(stdin)
	if err != nil {
		return err
	}
	if n := len([]rune(pass)); n < court.MinPassphrase {
		return usageErr("the passphrase has %d characters; at least %d are needed", n, court.MinPassphrase)
	}
	var codes []string
	for _, c := range strings.Split(*cats, ",") {
		if c = strings.TrimSpace(c); c != "" {
			codes = append(codes, c)
		}
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := job.Run(ctx, st, job.Request{Format: "court", Out: *out, By: *by, Tool: "scrim " + version,
		CaseNumber: *caseNumber, Title: *title, Categories: codes, Passphrase: pass, Attach: attach})
	if err != nil {
		return err
	}
	sum, side := *res.Court, res.Manifest
	fmt.Fprintf(stdout, "%s: %d media of categories %s (%d originals, %d thumbnail only, %d missing), %d attachments, %d bytes, sha256 %s\n",
		*out, sum.Media, strings.Join(sum.Categories, ","), sum.Originals, sum.ThumbnailOnly, sum.Missing, sum.Attachments, sum.Bytes, sum.SHA256)
	if sum.Suggestions > 0 {
		fmt.Fprintf(stdout, "left out: %d media only suggested in these categories (decide them first)\n", sum.Suggestions)
	}
	fmt.Fprintf(stdout, "sidecar: %s\n", side)
	return nil
}

// runCourt is `scrim court verify|show --passphrase-stdin FILE`.
func runCourt(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runCourtIO(ctx, args, os.Stdin, stdout, stderr)
}

func runCourtIO(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "show") {
		return usageErr("scrim court verify|show --passphrase-stdin FILE")
	}
	sub := args[0]
	fs := newFlagSet("court "+sub, "--passphrase-stdin [--json] FILE", stderr)
	passStdin := fs.Bool("passphrase-stdin", false, "read the bundle passphrase from the first line of stdin")
	asJSON := fs.Bool("json", false, "print JSON (show)")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("name one bundle file")
	}
	if !*passStdin {
		return usageErr("--passphrase-stdin is required")
	}
	pass, err := readPassphrase(stdin)
	if err != nil {
		return err
	}
	b, err := court.Open(pos[0], pass)
	if err != nil {
		return err
	}
	defer b.Close()
	if sub == "show" {
		return showBundle(b, *asJSON, stdout)
	}
	return verifyBundle(b, stdout)
}

func verifyBundle(b *court.Bundle, stdout io.Writer) error {
	var failed []string
	chk, err := b.Check()
	if err != nil {
		failed = append(failed, err.Error())
		fmt.Fprintf(stdout, "content: FAILED: %v\n", err)
	} else {
		fmt.Fprintf(stdout, "content: verified: %d chunks, %d media (%d originals re-hashed), %d thumbnails, %d attachments\n",
			chk.Chunks, chk.Media, chk.Originals, chk.Thumbnails, chk.Attachments)
		fmt.Fprintf(stdout, "content sha256 %s (%d bytes)\n", chk.ContentSHA256, chk.ContentBytes)
		side := b.Path() + ".sha256"
		if raw, err := os.ReadFile(side); err == nil {
			want, _, _ := strings.Cut(strings.TrimSpace(string(raw)), " ")
			if want == chk.ContentSHA256 {
				fmt.Fprintf(stdout, "sidecar %s: matches\n", side)
			} else {
				failed = append(failed, "sidecar mismatch")
				fmt.Fprintf(stdout, "sidecar %s: MISMATCH (it says %s)\n", side, want)
			}
		}
	}
	recs, err := b.Exposures()
	if err != nil {
		failed = append(failed, err.Error())
		fmt.Fprintf(stdout, "exposure record: FAILED after %d intact entries: %v\n", len(recs), err)
	} else {
		fmt.Fprintf(stdout, "exposure record: %d entries, chain intact\n", len(recs))
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s: %s", b.Path(), strings.Join(failed, "; "))
	}
	return nil
}

func showBundle(b *court.Bundle, asJSON bool, stdout io.Writer) error {
	ix := b.Index()
	recs, xerr := b.Exposures()
	if asJSON {
		v := struct {
			Index         court.Index            `json:"index"`
			Exposures     []court.ExposureRecord `json:"exposures"`
			ExposureError string                 `json:"exposure_error,omitempty"`
		}{ix, recs, ""}
		if xerr != nil {
			v.ExposureError = xerr.Error()
		}
		if v.Exposures == nil {
			v.Exposures = []court.ExposureRecord{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		return xerr
	}
	fmt.Fprintf(stdout, "case:        %s (%s)\n", ix.CaseName, ix.CaseNumber)
	fmt.Fprintf(stdout, "created:     %s by %s with %s\n", ix.CreatedAt.Format(time.RFC3339), ix.CreatedBy, ix.Generator)
	fmt.Fprintf(stdout, "scheme:      %s; categories %s\n", ix.Scheme.Name, strings.Join(ix.Categories, ","))
	perCat := map[string]int{}
	thumbOnly := 0
	for _, m := range ix.Media {
		perCat[m.Category]++
		if m.OriginalSource != court.SourceEvidence {
			thumbOnly++
		}
	}
	fmt.Fprintf(stdout, "media:       %d (%d thumbnail only)\n", len(ix.Media), thumbOnly)
	for _, c := range ix.Scheme.Categories {
		if n := perCat[c.Code]; n > 0 {
			fmt.Fprintf(stdout, "  %-4s %-40s %d\n", c.Code, c.Label, n)
		}
	}
	for _, a := range ix.Attached {
		fmt.Fprintf(stdout, "attachment:  %s (%d bytes, sha256 %s)\n", a.Name, a.Length, a.SHA256)
	}
	for _, n := range ix.Notes {
		fmt.Fprintf(stdout, "note:        %s\n", n)
	}
	fmt.Fprintf(stdout, "exposure record: %d entries\n", len(recs))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if len(recs) > 0 {
		fmt.Fprintln(tw, "seq\tstart\tviewer\tmode\tduration\tsha256")
	}
	for _, r := range recs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Start.Format(time.RFC3339), r.Viewer, r.Mode,
			(time.Duration(r.DurationMS) * time.Millisecond).String(), r.SHA256)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if xerr != nil {
		return xerr
	}
	return nil
}
