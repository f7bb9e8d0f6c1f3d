// Command scrim-desktop is the examiner's workstation: sign in, open a case,
// review its pictures blurred and grayscale from the keyboard, under the
// supervisor's exposure limits. It shares the case directory and every
// package with the scrim command line.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"scrim/buildinfo"
	"scrim/ingest/workflow"
	"scrim/internal/membudget"
	"scrim/lab"
	"scrim/profile"
	"scrim/signals"
	"scrim/signals/models"
	"scrim/ui/desk"
)

type evidenceList []string

func (e *evidenceList) String() string     { return strings.Join(*e, ",") }
func (e *evidenceList) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	// The workstation's background ingest grows the heap as the command
	// line's does, so it gets the same limit (membudget).
	membudget.LimitHeap()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scrim-desktop:", err)
		os.Exit(1)
	}
}

func run() error {
	var evs evidenceList
	caseDir := flag.String("case", "", "case directory to open after sign-in (created when new)")
	flag.Var(&evs, "evidence", "evidence to add to the case (folder, disk image or file); repeat for more")
	home := flag.String("home", profile.DefaultHome(), "workstation profile store ($SCRIM_HOME, default ~/.scrim)")
	labURL := flag.String("lab", "", "the lab's PostgreSQL URL: profiles, policy, exposure and audit shared by every workstation (default $SCRIM_LAB, else the URL saved in the supervisor's settings; use sslmode=verify-full across a network)")
	demoProfiles := flag.Bool("demo-profiles", false, "create the demo profiles (supervisor 'sam', examiner 'erin', PIN 2468) when the profile store is empty; only in the demo home make run sets up (it holds a "+demoMarker+" file)")
	courtFile := flag.String("court", "", "open a court package (made by scrim export --format court) read-only instead of a case")
	modelsDir := flag.String("models", "", "folder holding the signals models (default: $SCRIM_MODELS, else .cache/models beside the binary); absent: signals off, everything else works")
	tourMode := flag.Bool("tour", false, "screenshot tour (used by make screenshot): sign in as the demo examiner, stop at each screen until a line arrives on stdin, then quit")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: scrim-desktop [--case CASEDIR] [--evidence PATH]... [--home DIR] [--lab URL]\n       scrim-desktop --court PACKAGE.scrimcourt\n\n")
		flag.PrintDefaults()
		fmt.Fprintf(os.Stderr, "\nKeys on the review grid: arrows move, the scheme's digits set the category, U undo,\n"+
			"Enter details, hold Space to reveal (grayscale, time-limited; the status line counts down),\n"+
			"C colour reveal, F full view, A select the near-duplicate cluster, N next item needing review,\n"+
			"F12 or Esc twice hides everything until your PIN is typed again.\n"+
			"The \"File facts\" switch above the grid shows file name, where found, hash set and category\n"+
			"source under each tile (off by default, remembered per examiner, if the policy allows it).\n"+
			"The case screen lists recent cases, reopened in one click.\n")
	}
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (evidence goes after --evidence)", flag.Arg(0))
	}
	// A court package is viewed by a judge, who has no profile here: its
	// reveals are recorded inside the package.
	var h *profile.Home
	if *courtFile == "" {
		var err error
		if h, err = openHomeLab(*home, lab.URL(*labURL), *caseDir, evs, *demoProfiles); err != nil {
			return err
		}
		defer h.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	a := app.NewWithID("org.scrim.workstation")
	win := a.NewWindow("Scrim")
	win.Resize(fyne.NewSize(1280, 800))
	opt := desk.Options{Home: h, CaseDir: *caseDir, Evidence: evs, Version: buildinfo.Get().String(), CourtFile: *courtFile}
	opt.Signals = loadSignals(*modelsDir)
	if *demoProfiles {
		opt.SignInHint = "Demo profiles: examiner erin, supervisor sam, PIN " + demoPIN
	}
	ws := desk.New(ctx, a, win, opt)
	win.SetOnClosed(ws.Close)
	ws.Start()
	if *tourMode {
		go func() {
			err := tour(ws, os.Stdin, os.Stdout)
			if err != nil {
				fmt.Fprintln(os.Stderr, "scrim-desktop: screenshots:", err)
			}
			fyne.Do(a.Quit)
		}()
	}
	win.ShowAndRun()
	return nil
}

const demoPIN = "2468"

// demoMarker is the file make run (and the screenshot script) writes into
// the demo's own profile store; --demo-profiles works nowhere else.
const demoMarker = "scrim-demo-home"

// openHome opens the profile store after checking that neither it nor the
// case directory touches the evidence; with demo it adds the fixed-PIN demo
// profiles, which only a demo home may hold.
func openHome(dir, caseDir string, evidence []string, demo bool) (*profile.Home, error) {
	return openHomeLab(dir, "", caseDir, evidence, demo)
}

// openHomeLab is openHome joined to the lab at labURL ("" = the URL saved
// in the workstation's settings, if any).
func openHomeLab(dir, labURL, caseDir string, evidence []string, demo bool) (*profile.Home, error) {
	places := []workflow.Place{{What: "profile store", Path: dir}, {What: "case directory", Path: caseDir}}
	if err := workflow.CheckPaths(places, evidence); err != nil {
		return nil, err
	}
	if demo {
		if err := checkDemoHome(dir); err != nil {
			return nil, err
		}
	}
	h, err := profile.Open(dir, profile.Options{LabURL: labURL, ConnectLab: lab.Connect})
	if err != nil {
		return nil, fmt.Errorf("open profile store %s: %w", dir, err)
	}
	if demo {
		if err := ensureDemoProfiles(h); err != nil {
			h.Close()
			return nil, err
		}
	}
	return h, nil
}

// checkDemoHome refuses --demo-profiles outside the demo home: the
// workstation's real profile store ($SCRIM_HOME, ~/.scrim) and any
// directory without the marker never get profiles with a published PIN.
func checkDemoHome(dir string) error {
	if abs, err := filepath.Abs(dir); err == nil {
		if def, err := filepath.Abs(profile.DefaultHome()); err == nil && abs == def {
			return fmt.Errorf("--demo-profiles: %s is the workstation's profile store; demo profiles (fixed PIN) are only made in the demo home that make run sets up", dir)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
		return fmt.Errorf("--demo-profiles: %s is not a demo home (no %s file, which make run writes); demo profiles (fixed PIN) are never made in a working profile store", dir, demoMarker)
	}
	return nil
}

func ensureDemoProfiles(h *profile.Home) error {
	ps, err := h.Profiles()
	if err != nil || len(ps) > 0 {
		return err
	}
	if err := h.AddProfile(nil, "sam", profile.RoleSupervisor, demoPIN); err != nil {
		return err
	}
	s, err := h.SignIn("sam", demoPIN)
	if err != nil {
		return err
	}
	return h.AddProfile(s, "erin", profile.RoleExaminer, demoPIN)
}

// tour signs in as the demo examiner and stops at each screen worth a
// picture: sign-in, grid, details, the grid with file facts, a reveal with
// its status line, the panic screen, the recent cases a supervisor sees,
// and the dashboard. At each it prints "ready NAME" and waits for a line on
// stdin, so a script can capture the real window (X server screenshot)
// while it is drawn.
func tour(ws *desk.Workstation, in io.Reader, out io.Writer) error {
	lines := bufio.NewScanner(in)
	ready := func(name string) error {
		time.Sleep(1500 * time.Millisecond) // let the window draw and thumbnails arrive
		fmt.Fprintln(out, "ready", name)
		if !lines.Scan() {
			return fmt.Errorf("tour: stdin closed before %s was captured", name)
		}
		return nil
	}
	step := func(f func() error) error {
		var err error
		fyne.DoAndWait(func() { err = f() })
		return err
	}
	if err := ready("signin"); err != nil {
		return err
	}
	if err := step(func() error { return ws.SignIn("erin", demoPIN) }); err != nil {
		return err
	}
	if err := ws.WaitIngest(); err != nil {
		return err
	}
	if err := step(func() error { ws.ShowReview(); return nil }); err != nil {
		return err
	}
	if err := ready("grid"); err != nil {
		return err
	}
	if err := step(func() error { ws.ShowDetails(); return nil }); err != nil {
		return err
	}
	if err := ready("details"); err != nil {
		return err
	}
	if err := step(func() error { ws.ShowReview(); return ws.SetTileFacts(true) }); err != nil {
		return err
	}
	if err := ready("facts"); err != nil {
		return err
	}
	// A reveal, captured while it runs (the status line counts down), then
	// a decision: some review for the dashboard to show.
	if err := step(func() error {
		if err := ws.SetTileFacts(false); err != nil {
			return err
		}
		return ws.RevealFor(4 * time.Second)
	}); err != nil {
		return err
	}
	if err := ready("reveal"); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	if err := step(func() error { ws.Panic(); return nil }); err != nil {
		return err
	}
	if err := ready("panic"); err != nil {
		return err
	}
	if err := step(func() error {
		if err := ws.Unlock(demoPIN); err != nil {
			return err
		}
		return ws.Categorize("5")
	}); err != nil {
		return err
	}
	// A supervisor takes over: the case screen lists the recent cases.
	if err := step(func() error { ws.SignOut(); return ws.SignIn("sam", demoPIN) }); err != nil {
		return err
	}
	if err := ready("cases"); err != nil {
		return err
	}
	if err := step(func() error { ws.ShowDashboard(); return nil }); err != nil {
		return err
	}
	return ready("dashboard")
}

// loadSignals loads the face, age and nudity models once for every ingest
// of this session; without them signals are off, said in one line.
func loadSignals(dir string) signals.Analyzer {
	found, err := models.Locate(dir)
	if err == nil {
		var an *models.Analyzer
		if an, err = models.Load(found); err == nil {
			return an
		}
	}
	fmt.Fprintln(os.Stderr, "scrim-desktop:", err)
	return nil
}
