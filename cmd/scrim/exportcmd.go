package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"scrim/export/job"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if wantsCourt(args) { // the court bundle has options of its own: courtcmd.go
		return runCourtExport(ctx, args, os.Stdin, stdout, stderr)
	}
	fs := newFlagSet("export", "--case CASEDIR --format pdf|html|csv|vics --out PATH [--case-number N] [--title T]", stderr)
	caseDir := fs.caseFlags("case directory")
	format := fs.String("format", "", "pdf or html (the case report), csv (every occurrence with its media) or vics (Project VIC VICS 2.0 JSON of the categorized media: US model for a vic-us case, UK model for a caid-uk case; refused for other schemes)")
	out := fs.String("out", "", "output file")
	by := fs.String("examiner", os.Getenv("USER"), "who exports (recorded in the audit log)")
	caseNumber := fs.String("case-number", "", "case number for the report, recorded in the case for later reports (default: the recorded one, else the case directory name)")
	title := fs.String("title", "", "case title for the report, recorded in the case for later reports")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("--out PATH is required")
	}
	switch *format {
	case "pdf", "html", "csv", "vics":
	default:
		return usageErr("--format must be pdf, html, csv or vics (or court)")
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := job.Run(ctx, st, job.Request{Format: *format, Out: *out, By: *by, Tool: "scrim " + version,
		CaseNumber: *caseNumber, Title: *title})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d records, sha256 %s\n", *out, res.Records, res.SHA256)
	return nil
}
