package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"scrim/store"
)

func runAudit(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "show") {
		return usageErr("scrim audit verify|show --case CASEDIR")
	}
	fs := newFlagSet("audit "+args[0], "--case CASEDIR [--json]", stderr)
	caseDir := fs.caseFlags("case directory")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "verify" {
		c, err := st.VerifyAudit()
		if err != nil {
			return err
		}
		return reportAuditCheck(stdout, "audit log", c, *asJSON)
	}
	enc := json.NewEncoder(stdout)
	return st.EachAudit(func(e store.AuditEntry) error { return printAuditEntry(stdout, enc, e, *asJSON) })
}

// reportAuditCheck prints a chain's check and fails when it is broken; the
// case log and the workstation log read the same.
func reportAuditCheck(stdout io.Writer, what string, c store.AuditCheck, asJSON bool) error {
	if asJSON {
		if err := json.NewEncoder(stdout).Encode(c); err != nil {
			return err
		}
	} else if c.OK {
		fmt.Fprintf(stdout, "%s intact: %d entries, head %s\n", what, c.Entries, c.Head)
	}
	if !c.OK {
		return fmt.Errorf("%s broken at entry %d: %s", what, c.BrokenAt, c.Problem)
	}
	return nil
}

// printAuditEntry prints one entry as a JSON line or a table row.
func printAuditEntry(stdout io.Writer, enc *json.Encoder, e store.AuditEntry, asJSON bool) error {
	if asJSON {
		return enc.Encode(e)
	}
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + e.Detail[k]
	}
	_, err := fmt.Fprintf(stdout, "%6d  %s  %-12s %-22s %s\n", e.Seq, e.At.Format("2006-01-02 15:04:05Z"), e.Actor, e.Action, strings.Join(parts, " "))
	return err
}
