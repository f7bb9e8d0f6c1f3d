package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"scrim/categorize"
	"scrim/export"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "--case CASEDIR --format vics|csv --out PATH", stderr)
	caseDir := fs.String("case", "", "case directory")
	format := fs.String("format", "", "vics (Project VIC VICS 2.0 JSON of the categorized media) or csv (every occurrence with its media)")
	out := fs.String("out", "", "output file")
	by := fs.String("examiner", os.Getenv("USER"), "who exports (recorded in the audit log)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("--out PATH is required")
	}
	if *format != "vics" && *format != "csv" {
		return usageErr("--format must be vics or csv")
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
	// Written beside the target and renamed: a crash never leaves half an
	// export under the final name.
	tmp := *out + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer os.Remove(tmp)
	h := sha256.New()
	w := io.MultiWriter(f, h)
	var n int
	switch *format {
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
	if _, err := st.Audit(*by, "export", map[string]string{"format": *format, "out": *out, "records": fmt.Sprint(n), "sha256": sum}, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d records, sha256 %s\n", *out, n, sum)
	return nil
}
