// Command scrim is the command-line side of the Scrim workstation: ingest
// evidence into a case, list what was found, count it. It needs no GUI
// libraries and builds with CGO_ENABLED=0.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"scrim/buildinfo"
	"scrim/internal/membudget"
	"scrim/internal/procs"
)

const usage = `scrim: offline forensic picture categorization

Usage:
  scrim ingest --case CASEDIR [--examiner NAME] [--evidence NAME] PATH...
  scrim files  --case CASEDIR [--format jsonl|csv] [--evidence NAME] [--out FILE]
  scrim stats  --case CASEDIR [--json] [--recount]
  scrim signals --case CASEDIR [--redo] [--models DIR]   # face, age and nudity signals (ingest --signals on|off --models DIR)
  scrim hashset import --case CASEDIR --format vics|icse|nsrl|text [--category C] [--map SRC=DST,...] [--name NAME] FILE
  scrim hashset import --library [--scheme ID | --case CASEDIR] --format ... FILE   # once per workstation ($SCRIM_HOME/hashlib), matched by every case
  scrim hashset list   [--case CASEDIR] [--json]   # the case's sets and the hash library's
  scrim hashset remove --library NAME
  scrim hashset match  --case CASEDIR              # match the case against its sets and the library now (every ingest does)
  scrim categorize --case CASEDIR --examiner NAME (--category C | --undo) [SHA256... | -]
  scrim similar    --case CASEDIR [--radius N] SHA256 | --clusters
  scrim conflicts  --case CASEDIR
  scrim audit verify|show --case CASEDIR [--json]
  scrim export --case CASEDIR --format pdf|html|csv|vics --out PATH [--case-number N] [--title T]
  scrim export --case CASEDIR --format court --passphrase-stdin --out FILE.scrimcourt [--categories 1,2]
  scrim court verify|show --passphrase-stdin [--json] FILE.scrimcourt
  scrim profile add --name NAME --role examiner|supervisor [--by SUPERVISOR]   # PINs on stdin
  scrim profile list|audit verify|audit show [--home DIR] [--json]
  scrim policy show|set [--by SUPERVISOR] [--max-reveal 5s] [--reveal-per-day 20m] ...   # PIN on stdin
  scrim exposure [--examiner NAME] [--since DATE] [--until DATE] [--json] [--csv FILE] [--pdf FILE]
  scrim lab init|status|audit verify|audit show [--lab URL] [--json]   # the unit's shared PostgreSQL server
  scrim version [--json]

Run "scrim COMMAND --help" or "scrim help COMMAND" for the options of a command.
A case is a directory; ingest creates it. Evidence is only ever read.
ingest --encrypt (--passphrase-stdin | --key-file FILE) creates an encrypted case; every
command then opens it with the same --passphrase-stdin or --key-file. Losing the key loses the case.
With a lab (--lab URL or SCRIM_LAB), profiles, policy, exposure and the workstation audit live there.
`

// version names this build (version, commit, modified) wherever the CLI
// records its tool: reports, court packages. The Makefile links it in.
var version = buildinfo.Get().String()

func main() {
	// The heap limit and the ingest's collector and processor settings
	// are the workstation's too (membudget, procs). An ingest is the whole
	// process here, so its settings are never put back.
	membudget.LimitHeap()
	if len(os.Args) > 1 && os.Args[1] == "ingest" {
		membudget.ForIngest()
		procs.ForIngest()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks mistakes in the command line (exit 2).
var errUsage = errors.New("usage")

type command struct {
	name string
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"ingest", runIngest},
		{"files", runFiles},
		{"stats", runStats},
		{"hashset", runHashset},
		{"categorize", runCategorize},
		{"similar", runSimilar},
		{"conflicts", runConflicts},
		{"audit", runAudit},
		{"export", runExport},
		{"court", runCourt},
		{"profile", runProfile},
		{"policy", runPolicy},
		{"exposure", runExposure},
		{"lab", runLab},
		{"signals", runSignals},
		{"version", runVersion},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "help" { // scrim help CMD [SUB]: what scrim CMD [SUB] --help prints
		args = append(args[1:], "--help")
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		// Help asked for is the answer, not a diagnostic: it goes to stdout.
		help := askedForHelp(args[1:])
		diag := stderr
		if help {
			diag = stdout
		}
		err := c.run(ctx, args[1:], stdout, diag)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case help && errors.Is(err, errUsage):
			// A command of subcommands asked for help without one: its lines of the usage.
			fmt.Fprint(stdout, commandUsage(c.name))
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "scrim %s: %v\n", c.name, strings.TrimPrefix(err.Error(), "usage: "))
			return 2
		default:
			fmt.Fprintf(stderr, "scrim %s: %v\n", c.name, oneLine(err))
			return 1
		}
	}
	fmt.Fprintf(stderr, "scrim: unknown command %q (try scrim --help)\n", args[0])
	return 2
}

// askedForHelp: -h or --help among a command's arguments (before a "--").
func askedForHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// commandUsage is the lines of the usage about one command.
func commandUsage(name string) string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, l := range strings.Split(usage, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "scrim" && f[1] == name {
			b.WriteString(l + "\n")
		}
	}
	fmt.Fprintf(&b, "\nRun \"scrim %s SUBCOMMAND --help\" for its options.\n", name)
	return b.String()
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// parseInterspersed lets flags come after positional arguments too
// (scrim ingest /evidence --case c), as people type them.
func parseInterspersed(fs *cmdFlags, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help()
				return nil, err
			}
			return nil, usageErr("%v (see scrim %s --help)", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// cmdFlags is a command's flag set and its --help text. The flag package
// would print the whole usage on any mistake; we print it for --help only,
// and a one-line reason otherwise.
type cmdFlags struct {
	*flag.FlagSet
	help func()
}

func newFlagSet(name, synopsis string, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, help: func() {
		fmt.Fprintf(stderr, "Usage: scrim %s %s\n\nOptions:\n", name, synopsis)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}}
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// runVersion prints which build this is: the version, the git commit, and
// whether the tree had uncommitted changes when it was built.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "[--json]", stderr)
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	bi := buildinfo.Get()
	if *asJSON {
		return json.NewEncoder(stdout).Encode(bi)
	}
	modified := "no"
	if bi.Modified {
		modified = "yes (built from a tree with uncommitted changes)"
	}
	fmt.Fprintf(stdout, "scrim %s\ncommit:   %s\nmodified: %s\n", bi.Version, bi.Commit, modified)
	return nil
}
