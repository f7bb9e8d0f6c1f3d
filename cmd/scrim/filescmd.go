package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"scrim/export"
	"scrim/store"
)

func runFiles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("files", "--case CASEDIR [--format jsonl|csv] [--evidence NAME] [--out FILE]", stderr)
	caseDir := fs.caseFlags("case directory")
	format := fs.String("format", "jsonl", "jsonl (one JSON object per line) or csv; the last field, device_path, is the path on the seized device a phone extraction (UFDR, iTunes backup, phone TAR/ZIP) gives")
	evidenceID := fs.String("evidence", "", "only this evidence item")
	out := fs.String("out", "", "write to FILE instead of standard output")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	if *format != "jsonl" && *format != "csv" {
		return usageErr("--format must be jsonl or csv, not %q", *format)
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if *evidenceID != "" {
		if _, ok, err := st.Evidence(*evidenceID); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("no evidence %q in case %s", *evidenceID, caseDir.dir)
			}
			return err
		}
	}
	dst := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("create %s: %w", *out, err)
		}
		defer f.Close()
		dst = f
	}
	bw := bufio.NewWriterSize(dst, 1<<20)
	// Rows are joined and formatted on every core, written in order.
	if _, err := export.WriteFileRows(st, *evidenceID, *format, bw, ctx.Err); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write listing: %w", err)
	}
	return nil
}

func runStats(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("stats", "--case CASEDIR [--json] [--recount]", stderr)
	caseDir := fs.caseFlags("case directory")
	asJSON := fs.Bool("json", false, "print JSON")
	recount := fs.Bool("recount", false, "count every record again instead of reading the counters kept as the case was written; a difference is reported, the counters are rebuilt and the exit status is 1")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var s store.Stats
	mismatch := ""
	if *recount {
		if mismatch, err = st.CounterMismatch(); err != nil {
			return err
		}
		s, err = st.Recount()
		if err == nil && mismatch != "" {
			err = st.RebuildCounters()
		}
	} else {
		s, err = st.Stats()
	}
	if err != nil {
		return err
	}
	if err := printStats(s, *asJSON, stdout); err != nil {
		return err
	}
	if mismatch != "" {
		return fmt.Errorf("the kept counters differed from the recount (now rebuilt): %s", mismatch)
	}
	return nil
}

func printStats(s store.Stats, asJSON bool, stdout io.Writer) error {
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "evidence\toccurrences\tunique\tpictures\tvideos\tother\terrors\tbytes\tstatus\tembedded\t")
	for _, e := range s.Evidence {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t\n", e.ID, e.Occurrences, e.Unique, e.Pictures, e.Videos, e.Other, e.Errors, humanBytes(e.Bytes), e.Status, e.Embedded)
	}
	fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\t%d\t\n", "TOTAL", s.Occurrences, s.Unique, s.Pictures, s.Videos, s.Other, s.Errors, humanBytes(s.Bytes), s.Embedded)
	if err := tw.Flush(); err != nil {
		return err
	}
	// What could not be read (an encrypted volume, a filesystem Scrim
	// cannot read, carved-only regions) is stated under the counts.
	head := "\nnotes (what could not be read, or was only carved):\n"
	for _, e := range s.Evidence {
		for _, n := range e.Notes {
			fmt.Fprintf(stdout, "%s  %s: %s\n", head, e.ID, n)
			head = ""
		}
	}
	return nil
}
