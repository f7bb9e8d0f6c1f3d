package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"scrim/profile"
)

func runExposure(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("exposure", `[--home DIR] [--lab URL] [--examiner NAME] [--since DATE] [--until DATE] [--json] [--csv FILE] [--pdf FILE]

Prints each examiner's exposure figures per day and ISO week: blurred-grid
time, revealed time (grayscale, colour, full, video), reveals, interrupted
exposures, items reviewed, breaks, and days over the daily reveal limit.
DATEs are YYYY-MM-DD in local time; --until includes that day.
With a lab (--lab, $SCRIM_LAB or the workstation's saved URL): every
examiner of every workstation of the lab.`, stderr)
	home := homeFlag(fs)
	examiner := fs.String("examiner", "", "only this examiner")
	since := fs.String("since", "", "first day (YYYY-MM-DD)")
	until := fs.String("until", "", "last day, included (YYYY-MM-DD)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	csvPath := fs.String("csv", "", "also write the days as CSV to FILE")
	pdfPath := fs.String("pdf", "", "also write a PDF report (charts and tables) to FILE")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}
	var f profile.Filter
	f.Examiner = *examiner
	if *since != "" {
		if f.Since, err = time.ParseInLocation("2006-01-02", *since, time.Local); err != nil {
			return usageErr("--since %q: want YYYY-MM-DD", *since)
		}
	}
	if *until != "" {
		u, err := time.ParseInLocation("2006-01-02", *until, time.Local)
		if err != nil {
			return usageErr("--until %q: want YYYY-MM-DD", *until)
		}
		f.Until = u.AddDate(0, 0, 1)
	}
	h, err := openHome(home)
	if err != nil {
		return err
	}
	defer h.Close()
	sums, err := h.Summary(f)
	if err != nil {
		return err
	}
	if *examiner != "" && len(sums) == 0 {
		return fmt.Errorf("no profile or exposure named %q", *examiner)
	}
	pol, err := h.Policy()
	if err != nil {
		return err
	}
	if *csvPath != "" {
		if err := writeFile(*csvPath, func(w io.Writer) error { return profile.WriteCSV(w, sums) }); err != nil {
			return err
		}
	}
	if *pdfPath != "" {
		if err := writeFile(*pdfPath, func(w io.Writer) error { return profile.WritePDF(w, sums, pol) }); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sums)
	}
	return printExposure(stdout, sums, pol)
}

func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

func printExposure(w io.Writer, sums []profile.ExaminerSummary, p profile.Policy) error {
	fmt.Fprintf(w, "daily reveal limit %s, hourly %s, break of %s after %s\n", capText(p.RevealPerDay), capText(p.RevealPerHour), p.BreakLength, p.BreakAfter)
	for _, s := range sums {
		over := "no"
		if s.OverLimit {
			over = "YES"
		}
		fmt.Fprintf(w, "\n%s (%s): breaks taken %d, ended early %d, skipped %d; over the daily limit: %s\n",
			s.Examiner, s.Role, s.BreaksTaken, s.BreaksEndedEarly, s.BreaksSkipped, over)
		if len(s.Days) == 0 {
			fmt.Fprintln(w, "  no exposure recorded")
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  day\tgrid\trevealed\treveals\tinterrupted\titems\tcategories\tclock suspect\t\t")
		for _, d := range s.Days {
			flag := ""
			if d.OverLimit {
				flag = "over limit"
			}
			cats := ""
			for _, c := range sortedKeys(d.Categories) {
				if cats != "" {
					cats += " "
				}
				cats += fmt.Sprintf("%s:%d", c, d.Categories[c])
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%s\t\n", d.Date, secsText(d.GridSeconds), secsText(d.RevealedSeconds),
				d.Reveals, d.Interrupted, d.ItemsReviewed, cats, d.ClockSuspect, flag)
		}
		for _, wk := range s.Weeks {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\t%d\t\t\t\t\n", wk.Week, secsText(wk.GridSeconds), secsText(wk.RevealedSeconds),
				wk.Reveals, wk.Interrupted, wk.ItemsReviewed)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// secsText writes seconds as 4.5s, 12m03s or 1h02m03s.
func secsText(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(100 * time.Millisecond)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%dh%02dm%02ds", int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second))
}
