package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"scrim/lab"
	"scrim/profile"
	"scrim/store"
)

// PINs are only ever read from standard input, one per line, so they stay
// out of the process list and the shell history.

// homeFlags are --home and --lab: where the workstation's store is, and
// the lab it shares people, policy and exposure with.
type homeFlags struct{ dir, lab *string }

// homeFlag adds --home and --lab to fs.
func homeFlag(fs *cmdFlags) homeFlags {
	return homeFlags{
		dir: fs.String("home", "", "workstation profile store (default $SCRIM_HOME, else ~/.scrim)"),
		lab: labFlag(fs),
	}
}

// openHome opens the workstation store and, with --lab, $SCRIM_LAB or the
// workstation's saved lab URL, joins it to the lab.
func openHome(f homeFlags) (*profile.Home, error) {
	dir := *f.dir
	if dir == "" {
		dir = profile.DefaultHome()
	}
	h, err := profile.Open(dir, profile.Options{LabURL: lab.URL(*f.lab), ConnectLab: lab.Connect})
	if errors.Is(err, profile.ErrLocked) {
		return nil, fmt.Errorf("%w (close the Scrim desktop app first)", err)
	}
	return h, err
}

// pinReader reads PINs, one a line, from stdin.
type pinReader struct{ r *bufio.Reader }

func (p pinReader) next(what string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", usageErr("no %s on standard input (PINs are read from stdin, one per line)", what)
	}
	pin := strings.TrimRight(line, "\r\n")
	if pin == "" {
		return "", usageErr("empty %s on standard input", what)
	}
	return pin, nil
}

func runProfile(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("scrim profile add|list|audit (see scrim profile add --help)")
	}
	switch args[0] {
	case "add":
		return profileAdd(args[1:], os.Stdin, stdout, stderr)
	case "list":
		return profileList(args[1:], stdout, stderr)
	case "audit":
		return profileAudit(args[1:], stdout, stderr)
	}
	return usageErr("scrim profile add|list|audit: unknown subcommand %q", args[0])
}

func profileAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("profile add", `--name NAME --role examiner|supervisor [--by SUPERVISOR] [--pin-stdin] [--home DIR]

Creates a profile on this workstation. PINs (at least 4 characters) are read
from standard input, one per line, never from the command line:
  the first profile (it must be a supervisor):  stdin = NEW_PIN
  every later profile, --by SUPERVISOR:          stdin = SUPERVISOR_PIN, then NEW_PIN
Example:  printf '%s\n%s\n' "$SUP_PIN" "$NEW_PIN" | scrim profile add --by sam --name eve --role examiner`, stderr)
	home := homeFlag(fs)
	name := fs.String("name", "", "name of the new profile")
	role := fs.String("role", "", "examiner or supervisor")
	by := fs.String("by", "", "supervisor creating the profile (not for the first one)")
	fs.Bool("pin-stdin", true, "read PINs from standard input (the only way; kept for scripts)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if *name == "" || *role == "" {
		return usageErr("--name and --role are required")
	}
	pins := pinReader{bufio.NewReader(stdin)}
	h, err := openHome(home)
	if err != nil {
		return err
	}
	defer h.Close()
	var sess *profile.Session
	if *by != "" {
		sup, err := pins.next("PIN for " + *by)
		if err != nil {
			return err
		}
		if sess, err = h.SignIn(*by, sup); err != nil {
			return err
		}
	} else if ps, err := h.Profiles(); err != nil {
		return err
	} else if len(ps) > 0 {
		return usageErr("profiles exist already: --by SUPERVISOR is needed, with that supervisor's PIN on stdin's first line")
	}
	pin, err := pins.next("PIN for the new profile")
	if err != nil {
		return err
	}
	if err := h.AddProfile(sess, *name, *role, pin); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "profile %s (%s) added to %s\n", *name, *role, h.Dir())
	return nil
}

func profileList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("profile list", "[--home DIR] [--json]", stderr)
	home := homeFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	h, err := openHome(home)
	if err != nil {
		return err
	}
	defer h.Close()
	ps, err := h.Profiles()
	if err != nil {
		return err
	}
	if *asJSON {
		if ps == nil {
			ps = []profile.Profile{}
		}
		return json.NewEncoder(stdout).Encode(ps)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tBY\tWRONG PINS")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", p.Name, p.Role, p.Created.Local().Format("2006-01-02 15:04"), p.CreatedBy, p.Failures)
	}
	return tw.Flush()
}

func profileAudit(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "show") {
		return usageErr("scrim profile audit verify|show [--home DIR] [--lab URL] [--json]")
	}
	fs := newFlagSet("profile audit "+args[0], `[--home DIR] [--lab URL] [--json]

The workstation's audit chain (sign-ins, profile and policy changes,
breaks, interrupted exposures, clock events). With a lab, verify checks
this workstation's chain and then the lab's (every workstation's entries,
linked in the order the lab took them); show lists the lab's.`, stderr)
	home := homeFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	h, err := openHome(home)
	if err != nil {
		return err
	}
	defer h.Close()
	if args[0] == "verify" {
		c, err := h.VerifyAudit()
		if err != nil {
			return err
		}
		if !h.LabJoined() {
			return reportAuditCheck(stdout, "workstation audit log", c, *asJSON)
		}
		// With a lab: this workstation's chain, then the lab's (after
		// sending what the outbox holds, so it is complete).
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := h.Flush(ctx); err != nil {
			return err
		}
		lc, err := h.VerifyLabAudit(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(map[string]any{"workstation": c, "lab": lc})
		}
		werr := reportAuditCheck(stdout, "workstation audit log", c, false)
		if err := reportAuditCheck(stdout, "lab audit log", lc, false); err != nil {
			return err
		}
		return werr
	}
	var es []store.AuditEntry
	if h.LabJoined() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		es, err = h.LabAudit(ctx)
	} else {
		es, err = h.Audit()
	}
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

func runPolicy(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		return usageErr("scrim policy show|set (see scrim policy set --help)")
	}
	set := args[0] == "set"
	synopsis := "[--home DIR] [--json]"
	if set {
		synopsis = `--by SUPERVISOR [--max-reveal 5s] [--reveal-per-hour 2m] [--reveal-per-day 20m] [--break-after 50m] [--break-length 10m] [--colour=false] [--tile-facts=true] [--lab-grace 5m] [--home DIR] [--lab URL]

Changes the exposure policy; only the options given change. With a lab the
policy is the lab's, one for every workstation. The supervisor's
PIN is read from standard input's first line. A budget of 0 means no cap.
Example:  echo "$SUP_PIN" | scrim policy set --by sam --reveal-per-day 15m`
	}
	fs := newFlagSet("policy "+args[0], synopsis, stderr)
	home := homeFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	by := fs.String("by", "", "supervisor making the change")
	d := profile.DefaultPolicy
	maxReveal := fs.Duration("max-reveal", d.MaxReveal, "longest single reveal")
	perHour := fs.Duration("reveal-per-hour", d.RevealPerHour, "revealed time allowed in any 60 minutes (0: no cap)")
	perDay := fs.Duration("reveal-per-day", d.RevealPerDay, "revealed time allowed per calendar day (0: no cap)")
	breakAfter := fs.Duration("break-after", d.BreakAfter, "continuous review before a break is due")
	breakLength := fs.Duration("break-length", d.BreakLength, "length of a break")
	colour := fs.Bool("colour", d.ColourAllowed, "allow colour reveal")
	tileFacts := fs.Bool("tile-facts", d.TileFactsAllowed, "allow examiners to show file facts (name, where found, hash set, category source) under tiles")
	labGrace := fs.Duration("lab-grace", d.LabGrace, "with a lab: how long a workstation that lost it may still reveal (0: not at all); review goes on blurred")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	}
	if set && *by == "" {
		return usageErr("--by SUPERVISOR is required (that supervisor's PIN on stdin)")
	}
	h, err := openHome(home)
	if err != nil {
		return err
	}
	defer h.Close()
	p, err := h.Policy()
	if err != nil {
		return err
	}
	if set {
		pin, err := pinReader{bufio.NewReader(os.Stdin)}.next("PIN for " + *by)
		if err != nil {
			return err
		}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "max-reveal":
				p.MaxReveal = *maxReveal
			case "reveal-per-hour":
				p.RevealPerHour = *perHour
			case "reveal-per-day":
				p.RevealPerDay = *perDay
			case "break-after":
				p.BreakAfter = *breakAfter
			case "break-length":
				p.BreakLength = *breakLength
			case "colour":
				p.ColourAllowed = *colour
			case "tile-facts":
				p.TileFactsAllowed = *tileFacts
			case "lab-grace":
				p.LabGrace = *labGrace
			}
		})
		s, err := h.SignIn(*by, pin)
		if err != nil {
			return err
		}
		if err := h.SetPolicy(s, pin, p); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(policyJSON(p))
	}
	allowed := map[bool]string{true: "allowed", false: "off"}
	fmt.Fprintf(stdout, "max reveal       %s\nreveal per hour  %s\nreveal per day   %s\nbreak after      %s\nbreak length     %s\ncolour reveal    %s\ntile facts       %s\nlab grace        %s\n",
		p.MaxReveal, capText(p.RevealPerHour), capText(p.RevealPerDay), p.BreakAfter, p.BreakLength, allowed[p.ColourAllowed], allowed[p.TileFactsAllowed], p.LabGrace)
	return nil
}

func capText(d time.Duration) string {
	if d == 0 {
		return "no cap"
	}
	return d.String()
}

// policyJSON prints durations as Go duration strings ("5s").
func policyJSON(p profile.Policy) map[string]any {
	return map[string]any{
		"max_reveal": p.MaxReveal.String(), "reveal_per_hour": p.RevealPerHour.String(), "reveal_per_day": p.RevealPerDay.String(),
		"break_after": p.BreakAfter.String(), "break_length": p.BreakLength.String(), "colour_allowed": p.ColourAllowed,
		"tile_facts_allowed": p.TileFactsAllowed, "lab_grace": p.LabGrace.String(),
	}
}
