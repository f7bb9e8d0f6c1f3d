// Package job writes one export of a case to a file, the same way for the
// command line and the workstation: written beside the target and renamed
// (a crash never leaves half an export under the final name), a sidecar
// with its SHA-256, and an entry in the case's audit log.
package job

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"scrim/categorize"
	"scrim/export"
	"scrim/export/court"
	"scrim/export/report"
	"scrim/store"
)

// Formats lists what Run writes.
var Formats = []string{"pdf", "html", "csv", "vics", "court"}

// Request is one export.
type Request struct {
	Format string
	Out    string
	By     string // who exports: recorded in the audit log (and the court package)
	Tool   string // e.g. "scrim v1.2"
	// CaseNumber and Title, when given, become case facts kept for later reports.
	CaseNumber, Title string
	// Court packages only.
	Categories []string // default: the scheme's illegal categories
	Passphrase string
	Attach     []string // more files to carry in the package
	Now        time.Time
}

// Result says what was written.
type Result struct {
	Records  int
	Bytes    int64
	SHA256   string
	Manifest string         // sidecar path: report manifest or court .sha256
	Court    *court.Summary // for court packages
}

// Run writes the export.
func Run(ctx context.Context, st *store.Store, req Request) (Result, error) {
	if req.Out == "" {
		return Result{}, fmt.Errorf("export: no output file")
	}
	if req.By == "" && req.Format == "court" {
		return Result{}, fmt.Errorf("export: a court package names who made it")
	}
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	req.Now = req.Now.UTC()
	audit := map[string]string{"format": req.Format, "out": req.Out}
	// Given once, a case number or title is a case fact: later reports
	// must not fall back to the directory name.
	for _, f := range []struct{ name, val string }{{"case_number", req.CaseNumber}, {"case_title", req.Title}} {
		if f.val == "" {
			continue
		}
		if err := st.SetMeta(f.name, f.val); err != nil {
			return Result{}, err
		}
		audit[f.name] = f.val
	}
	var res Result
	var err error
	switch req.Format {
	case "pdf", "html", "csv", "vics":
		res, err = runFile(ctx, st, req, audit)
	case "court":
		res, err = runCourt(ctx, st, req, audit)
	default:
		return Result{}, fmt.Errorf("export: format %q: use one of %s", req.Format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return Result{}, err
	}
	if _, err := st.Audit(req.By, "export", audit, req.Now); err != nil {
		return Result{}, err
	}
	return res, nil
}

func runFile(ctx context.Context, st *store.Store, req Request, audit map[string]string) (Result, error) {
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var rep *report.Report
	h := sha256.New()
	err = writeAtomically(req.Out, 0o644, func(f io.Writer) error {
		size := &countWriter{}
		w := io.MultiWriter(f, h, size)
		defer func() { res.Bytes = size.n }()
		switch req.Format {
		case "pdf", "html":
			var err error
			if rep, err = report.BuildContext(ctx, st, report.Options{Tool: req.Tool, Now: req.Now}); err != nil {
				return err
			}
			res.Records = int(rep.Stats.Unique)
			if req.Format == "pdf" {
				return report.WritePDF(w, rep)
			}
			return report.WriteHTML(w, rep)
		case "vics":
			var err error
			res.Records, err = export.WriteVICS(st, scheme.ID, w)
			return err
		}
		// The listing `scrim files` writes, on every core.
		bw := bufio.NewWriterSize(w, 256<<10)
		rows, err := export.WriteFileRows(st, "", "csv", bw, ctx.Err)
		res.Records = int(rows)
		if err == nil {
			err = bw.Flush()
		}
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("export %s: %w", req.Format, err)
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	audit["records"], audit["sha256"] = fmt.Sprint(res.Records), res.SHA256
	if rep != nil {
		m := report.Manifest{File: filepath.Base(req.Out), Format: req.Format, Size: res.Bytes, SHA256: res.SHA256, Case: rep.CaseNumber,
			Generator: req.Tool, GeneratedAt: req.Now.Format(time.RFC3339)}
		res.Manifest = report.ManifestPath(req.Out)
		if err := writeAtomically(res.Manifest, 0o644, m.Write); err != nil {
			return Result{}, err
		}
		audit["manifest"] = res.Manifest
	}
	return res, nil
}

func runCourt(ctx context.Context, st *store.Store, req Request, audit map[string]string) (Result, error) {
	if n := len([]rune(req.Passphrase)); n < court.MinPassphrase {
		return Result{}, fmt.Errorf("the passphrase has %d characters; at least %d are needed", n, court.MinPassphrase)
	}
	rep, err := report.Build(st, report.Options{CaseNumber: req.CaseNumber, Title: req.Title, Tool: req.Tool, Now: req.Now})
	if err != nil {
		return Result{}, fmt.Errorf("court package: report: %w", err)
	}
	var pdf bytes.Buffer
	if err := report.WritePDF(&pdf, rep); err != nil {
		return Result{}, fmt.Errorf("court package: report: %w", err)
	}
	atts := []court.Attachment{{Name: "report.pdf", Data: pdf.Bytes()}}
	for _, p := range req.Attach {
		data, err := os.ReadFile(p)
		if err != nil {
			return Result{}, fmt.Errorf("court package: attach: %w", err)
		}
		atts = append(atts, court.Attachment{Name: filepath.Base(p), Data: data})
	}
	name := rep.Title
	if name == "" {
		name = rep.CaseNumber
	}
	now := req.Now
	opt := court.WriteOptions{Categories: req.Categories, Passphrase: req.Passphrase, CreatedBy: req.By, CaseName: name,
		CaseNumber: rep.CaseNumber, Attachments: atts, Clock: func() time.Time { return now }, Context: ctx, Generator: req.Tool}
	var sum court.Summary
	err = writeAtomically(req.Out, 0o600, func(f io.Writer) error {
		bw := bufio.NewWriterSize(f, 1<<20)
		var err error
		if sum, err = court.Write(bw, st, opt); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return Result{}, fmt.Errorf("export court: %w", err)
	}
	side := req.Out + ".sha256"
	line := fmt.Sprintf("%s  %s\n", sum.SHA256, filepath.Base(req.Out))
	if err := os.WriteFile(side, []byte(line), 0o644); err != nil {
		return Result{}, fmt.Errorf("export court: sidecar: %w", err)
	}
	audit["records"], audit["sha256"] = fmt.Sprint(sum.Media), sum.SHA256
	audit["categories"] = strings.Join(sum.Categories, ",")
	audit["originals"], audit["thumbnail_only"] = fmt.Sprint(sum.Originals), fmt.Sprint(sum.ThumbnailOnly)
	return Result{Records: sum.Media, Bytes: sum.Bytes, SHA256: sum.SHA256, Manifest: side, Court: &sum}, nil
}

// countWriter counts bytes, for the report manifest.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// writeAtomically writes path through a .partial file, synced, then renamed.
func writeAtomically(path string, mode os.FileMode, write func(io.Writer) error) error {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer os.Remove(tmp)
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
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
