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
	caseDir := fs.String("case", "", "case directory")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	st, err := openCase(*caseDir, false, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "verify" {
		c, err := st.VerifyAudit()
		if err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(c); err != nil {
				return err
			}
		} else if c.OK {
			fmt.Fprintf(stdout, "audit log intact: %d entries, head %s\n", c.Entries, c.Head)
		}
		if !c.OK {
			return fmt.Errorf("audit log broken at entry %d: %s", c.BrokenAt, c.Problem)
		}
		return nil
	}
	enc := json.NewEncoder(stdout)
	return st.EachAudit(func(e store.AuditEntry) error {
		if *asJSON {
			return enc.Encode(e)
		}
		keys := make([]string, 0, len(e.Detail))
		for k := range e.Detail {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+"="+e.Detail[k])
		}
		_, err := fmt.Fprintf(stdout, "%6d  %s  %-10s %-15s %s\n", e.Seq, e.At.Format("2006-01-02 15:04:05Z"), e.Actor, e.Action, strings.Join(parts, " "))
		return err
	})
}
