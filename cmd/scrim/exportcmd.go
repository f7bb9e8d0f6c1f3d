package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"scrim/categorize"
	"scrim/export"
	"scrim/export/report"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if wantsCourt(args) { // the court bundle has options of its own: courtcmd.go
		return runCourtExport(ctx, args, os.Stdin, stdout, stderr)
	}
	fs := newFlagSet("export", "--case CASEDIR --format pdf|html|csv|vics --out PATH [--case-number N] [--title T]", stderr)
	caseDir := fs.String("case", "", "case directory")
	format := fs.String("format", "", "pdf or html (the case report), csv (every occurrence with its media) or vics (Project VIC VICS 2.0 JSON of the categorized media)")
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
		return usageErr("--format must be pdf, html, csv or vics")
	}
	st, err := openCase(*caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		return err
	}
	audit := map[string]string{"format": *format, "out": *out}
	// Given once, a case number or title is a case fact: later reports
	// must not fall back to the directory name.
	for _, f := range []struct{ name, val string }{{"case_number", *caseNumber}, {"case_title", *title}} {
		if f.val == "" {
			continue
		}
		if err := st.SetMeta(f.name, f.val); err != nil {
			return err
		}
		audit[f.name] = f.val
	}
	now := time.Now().UTC()
	// Written beside the target and renamed: a crash never leaves half an
	// export under the final name.
	tmp := *out + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer os.Remove(tmp)
	h := sha256.New()
	size := &countWriter{}
	w := io.MultiWriter(f, h, size)
	var n int
	var rep *report.Report
	switch *format {
	case "pdf", "html":
		rep, err = report.BuildContext(ctx, st, report.Options{Tool: "scrim " + version, Now: now})
		if err == nil {
			n = int(rep.Stats.Unique)
			if *format == "pdf" {
				err = report.WritePDF(w, rep)
			} else {
				err = report.WriteHTML(w, rep)
			}
		}
	case "vics":
		n, err = export.WriteVICS(st, scheme.ID, w)
	case "csv":
		bw := bufio.NewWriterSize(w, 256<<10)
		rw, _ := export.NewRowWriter(bw, "csv")
		err = export.EachFileRow(st, "", func(r export.FileRow) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			n++
			return rw.Write(r)
		})
		if err == nil {
			if err = rw.Close(); err == nil {
				err = bw.Flush()
			}
		}
	}
	if err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", *format, err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	audit["records"], audit["sha256"] = fmt.Sprint(n), sum
	if rep != nil {
		m := report.Manifest{File: filepath.Base(*out), Format: *format, Size: size.n, SHA256: sum, Case: rep.CaseNumber,
			Generator: "scrim " + version, GeneratedAt: now.Format(time.RFC3339)}
		mpath := report.ManifestPath(*out)
		if err := writeAtomically(mpath, m.Write); err != nil {
			return err
		}
		audit["manifest"] = mpath
	}
	if _, err := st.Audit(*by, "export", audit, now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d records, sha256 %s\n", *out, n, sum)
	return nil
}

// countWriter counts bytes, for the report manifest.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// writeAtomically writes path through a .partial file and a rename.
func writeAtomically(path string, write func(io.Writer) error) error {
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer os.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
