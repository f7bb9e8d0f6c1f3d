package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"scrim/lab"
	"scrim/profile"
)

// labFlag adds --lab to fs.
func labFlag(fs *cmdFlags) *string {
	return fs.String("lab", "", "the lab's PostgreSQL URL (default $SCRIM_LAB, else the workstation's setting; use sslmode=verify-full across a network)")
}

func runLab(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("scrim lab init|status|audit verify|audit show|case|send|match|library|export (see scrim lab status --help)")
	}
	switch args[0] {
	case "init":
		return labInit(ctx, args[1:], stdout, stderr)
	case "status":
		return labStatus(ctx, args[1:], stdout, stderr)
	case "audit":
		return labAudit(ctx, args[1:], stdout, stderr)
	case "case":
		return labCase(ctx, args[1:], stdout, stderr)
	case "send":
		return labSend(ctx, args[1:], stdout, stderr)
	case "match":
		return labMatch(ctx, args[1:], stdout, stderr)
	case "library":
		return labLibrary(ctx, args[1:], stdout, stderr)
	case "export":
		return labExport(ctx, args[1:], stdout, stderr)
	}
	return usageErr("scrim lab init|status|audit|case|send|match|library|export: unknown subcommand %q", args[0])
}

// labURL is the lab this run uses: --lab, else $SCRIM_LAB, else the URL a
// supervisor saved in this workstation's settings ($SCRIM_HOME), as the
// desk does.
func labURL(flagURL string) (string, error) {
	if u := lab.URL(flagURL); u != "" {
		return u, nil
	}
	return profile.SavedLabURL(profile.DefaultHome())
}

func openLab(ctx context.Context, flagURL string) (*lab.Lab, error) {
	return openLabWith(ctx, flagURL, lab.Open)
}

// openLabWith resolves the lab URL (--lab, $SCRIM_LAB, the saved one) and
// opens it with open, within 30 s.
func openLabWith(ctx context.Context, flagURL string, open func(context.Context, string) (*lab.Lab, error)) (*lab.Lab, error) {
	u, err := labURL(flagURL)
	if err != nil {
		return nil, err
	}
	if u == "" {
		return nil, usageErr("%v", lab.ErrNoLab)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return open(ctx, u)
}

func labInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab init", `[--lab URL] [--json]

Creates or migrates the lab's schema (versioned migrations, each in one
transaction; several workstations running it at once wait for each other)
and the scrim_workstation role with its GRANTs. Run it as the database's
owner (an administrator), once per new scrim version. Workstations then
connect with their own login roles that are members of scrim_workstation:
  CREATE ROLE ws01 LOGIN PASSWORD '...' IN ROLE scrim_workstation;`, stderr)
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
	done, err := l.Init(ctx)
	if err != nil {
		return err
	}
	st, err := l.Status(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		names := []string{}
		for _, m := range done {
			names = append(names, m.Name)
		}
		return json.NewEncoder(stdout).Encode(map[string]any{"applied": names, "status": st})
	}
	for _, m := range done {
		fmt.Fprintf(stdout, "applied %s\n", m.Name)
	}
	fmt.Fprintf(stdout, "lab %s is at schema version %d\n", st.URL, st.SchemaVersion)
	return nil
}

func labStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lab status", `[--lab URL] [--json]

Says which lab this workstation uses (password removed), the server's
version, the role it connects as, whether the connection uses TLS, the
schema version and the migrations still pending.`, stderr)
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
	st, err := l.Status(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(st)
	}
	pending := "none"
	if len(st.Pending) > 0 {
		pending = strings.Join(st.Pending, ", ") + " (run scrim lab init)"
	}
	fmt.Fprintf(stdout, "lab:            %s\nserver:         %s\nrole:           %s\ndatabase:       %s\ntls:            %v\nschema version: %d (this scrim: %d)\npending:        %s\n",
		st.URL, st.Server, st.User, st.Database, st.TLS, st.SchemaVersion, st.Latest, pending)
	return nil
}

func labAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "show") {
		return usageErr("scrim lab audit verify|show [--lab URL] [--json]")
	}
	fs := newFlagSet("lab audit "+args[0], `[--lab URL] [--json]

The lab's audit chain: every workstation's entries (sign-ins, profile and
policy changes, breaks, interrupted exposures, clock events), each linked
to the one before in the order the lab took them. verify recomputes the
links and fails at the first broken one; show lists the entries. Entries
still in a workstation's outbox arrive when it next reaches the lab.`, stderr)
	url := labFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	l, err := openLab(ctx, *url)
	if err != nil {
		return err
	}
	defer l.Close()
	if args[0] == "verify" {
		c, err := l.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		return reportAuditCheck(stdout, "lab audit log", c, *asJSON)
	}
	es, err := l.Audit(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, e := range es {
		if err := printAuditEntry(stdout, enc, e, *asJSON); err != nil {
			return err
		}
	}
	return nil
}
