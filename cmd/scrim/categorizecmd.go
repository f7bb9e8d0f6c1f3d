package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"scrim/categorize"
	"scrim/categorize/hashset"
	"scrim/hashlib"
	"scrim/store"
)

func openEngine(caseDir *caseRef) (*store.Store, *categorize.Engine, error) {
	st, err := openCase(caseDir, false, false)
	if err != nil {
		return nil, nil, err
	}
	scheme, err := categorize.CaseScheme(st)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, categorize.NewEngine(st, scheme), nil
}

func runHashset(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "list" && args[0] != "remove" && args[0] != "match") {
		return usageErr("scrim hashset import|list|remove|match ...")
	}
	switch args[0] {
	case "list":
		return runHashsetList(args[1:], stdout, stderr)
	case "remove":
		return runHashsetRemove(args[1:], stdout, stderr)
	case "match":
		return runHashsetMatch(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("hashset import", "--case CASEDIR | --library [--scheme ID] [--case CASEDIR]  --format vics|icse|nsrl|text [--category C] [--map SRC=DST,...] [--name NAME] FILE", stderr)
	caseDir := fs.caseFlags("case directory (with --library: optional; gives the scheme and is matched at once)")
	library := fs.Bool("library", false, "import once into the workstation hash library ($SCRIM_HOME/hashlib) that every case matches, instead of into one case")
	schemeID := fs.String("scheme", "", "with --library and no --case: the category scheme the set's codes are mapped into (vic-us, caid-uk, oliver; default vic-us); cases of other schemes do not take its categories")
	format := fs.String("format", "", "vics, icse, nsrl or text")
	category := fs.String("category", "", "category of the case's scheme for every entry of a text list or NSRL set, and for ICSE entries without Baseline (NSRL default: the scheme's non-pertinent category)")
	codeMap := fs.String("map", "", "map the set's own category codes into the case's scheme, e.g. 1=A,2=C: needed for codes with no safe mapping (the import refuses and names them), or to override the table")
	name := fs.String("name", "", "name of the set (default: the file name); a set imported into a case again under its name replaces the earlier version")
	examiner := fs.String("examiner", os.Getenv("USER"), "who imports it")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("give one hash-set FILE")
	}
	if *format == "" {
		return usageErr("--format is required (vics, icse, nsrl or text)")
	}
	userMap, err := categorize.ParseCodeMap(*codeMap)
	if err != nil {
		return usageErr("%v", err)
	}
	opt := categorize.ImportOptions{Format: *format, Name: *name, Category: *category, Map: userMap, By: *examiner}
	if *library {
		return runLibraryImport(ctx, caseDir, *schemeID, pos[0], opt, *asJSON, stdout)
	}
	if *schemeID != "" {
		return usageErr("--scheme goes with --library: a case import uses the case's scheme")
	}
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	hs, sum, err := eng.Import(ctx, pos[0], opt)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"hashset": hs, "summary": sum})
	}
	printImportSummary(stdout, hs, sum)
	fmt.Fprintf(stdout, "; matched %d media of this case\n", hs.Matched)
	if sum.Mapping != "" {
		fmt.Fprintf(stdout, "category mapping: %s\n", sum.Mapping)
	}
	return nil
}

func printImportSummary(w io.Writer, hs store.HashSet, sum hashset.Summary) {
	fmt.Fprintf(w, "%s (%s %s): %d records, %d entries, %d bad", hs.Name, sum.Format, sum.Variant, sum.Records, sum.Entries, sum.Bad)
	if len(sum.FirstBad) > 0 {
		fmt.Fprintf(w, " (first at %v)", sum.FirstBad)
	}
}

// runLibraryImport imports a set into the workstation hash library; with
// --case, in that case's scheme, and the case is matched at once.
func runLibraryImport(ctx context.Context, caseDir *caseRef, schemeID, path string, opt categorize.ImportOptions, asJSON bool, stdout io.Writer) error {
	var st *store.Store
	var eng *categorize.Engine
	var sch categorize.Scheme
	switch {
	case caseDir.dir != "":
		if schemeID != "" {
			return usageErr("--scheme and --case: the case's scheme is used; give one of them")
		}
		var err error
		if st, eng, err = openEngine(caseDir); err != nil {
			return err
		}
		defer st.Close()
		if sch, err = categorize.CaseScheme(st); err != nil {
			return err
		}
	default:
		if schemeID == "" {
			schemeID = "vic-us"
		}
		var ok bool
		if sch, ok = categorize.SchemeByID(schemeID); !ok {
			return usageErr("--scheme %q: want vic-us, caid-uk or oliver (a custom scheme: give --case of a case using it)", schemeID)
		}
	}
	dir := hashlib.DefaultDir()
	set, sum, err := categorize.ImportLibrary(ctx, dir, path, sch, opt, time.Now())
	if err != nil {
		return err
	}
	matched := -1
	if eng != nil {
		eng.SetLibrary(dir)
		if matched, err = eng.MatchKnown(ctx); err != nil {
			return err
		}
	}
	if asJSON {
		out := map[string]any{"hashset": set.HashSet, "summary": sum, "library": dir, "records": set.Entries()}
		if matched >= 0 {
			out["case_matched"] = matched
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	printImportSummary(stdout, set.HashSet, sum)
	fmt.Fprintf(stdout, "; %d digests in the hash library %s (scheme %s)\n", set.Entries(), dir, sch.ID)
	if matched >= 0 {
		fmt.Fprintf(stdout, "matched %d media of this case\n", matched)
	}
	if sum.Mapping != "" {
		fmt.Fprintf(stdout, "category mapping: %s\n", sum.Mapping)
	}
	return nil
}

func runHashsetList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hashset list", "[--case CASEDIR] [--json]", stderr)
	caseDir := fs.caseFlags("case directory (without it: the hash library's sets only)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	var sets []store.HashSet
	if caseDir.dir != "" {
		st, err := openCase(caseDir, false, false)
		if err != nil {
			return err
		}
		defer st.Close()
		if sets, err = st.HashSets(); err != nil {
			return err
		}
	}
	where := make([]string, len(sets))
	for i, s := range sets {
		where[i] = "case"
		if s.Library != "" {
			where[i] = "case, from library"
		}
	}
	lib, err := hashlib.Open(hashlib.DefaultDir())
	if err != nil {
		return err
	}
	defer lib.Close()
	for _, s := range lib.Sets() {
		hs := s.HashSet
		hs.Matched = 0
		sets = append(sets, hs)
		where = append(where, "library")
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(sets)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tformat\tvariant\tentries\tbad\tmatched\timported\tby\tmapping\twhere")
	for i, s := range sets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", s.Name, s.Format, s.Variant, s.Entries, s.Bad, s.Matched, s.ImportedAt.Format("2006-01-02 15:04"), s.By, s.Mapping, where[i])
	}
	return tw.Flush()
}

// runHashsetMatch matches a case against its own sets and the hash
// library now, as every ingest does: for sets imported into the library
// after the case was ingested.
func runHashsetMatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hashset match", "--case CASEDIR", stderr)
	caseDir := fs.caseFlags("case directory")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := eng.MatchKnown(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d media matched by the case's hash sets and the hash library %s\n", n, eng.Library())
	return nil
}

func runHashsetRemove(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("hashset remove", "--library NAME", stderr)
	library := fs.Bool("library", false, "remove the set from the workstation hash library (cases that matched it keep its provenance and their matches)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if !*library || len(pos) != 1 {
		return usageErr("scrim hashset remove --library NAME (sets imported into a case stay with the case)")
	}
	dir := hashlib.DefaultDir()
	set, err := hashlib.Remove(dir, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %s (%d digests, imported %s) from the hash library %s\n", set.HashSet.Name, set.Entries(), set.HashSet.ImportedAt.Format("2006-01-02 15:04"), dir)
	return nil
}

func runCategorize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("categorize", `--case CASEDIR --examiner NAME (--category C | --undo) [SHA256... | -]

--undo takes back the examiner's latest decision on each media (the one
before it, or the media's other sources, show again). With a lab set,
decisions and undos are sent to its library at once; a lab out of reach
leaves them in the case's outbox for the next send.`, stderr)
	caseDir := fs.caseFlags("case directory")
	examiner := fs.String("examiner", "", "who decides (required)")
	category := fs.String("category", "", "category code of the case's scheme")
	undo := fs.Bool("undo", false, "take back the examiner's latest decision on each media")
	shas, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *examiner == "" || (*category == "") == !*undo {
		return usageErr("--examiner and one of --category or --undo are required")
	}
	if len(shas) == 0 || (len(shas) == 1 && shas[0] == "-") {
		// The case passphrase, if any, is stdin's first line.
		if err := caseDir.readKey(); err != nil {
			return err
		}
		shas = nil
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 0 {
				shas = append(shas, f[0])
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read SHA-256 list: %w", err)
		}
	}
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if *undo {
		for _, sha := range shas {
			if _, err := eng.Undo(ctx, *examiner, sha); err != nil {
				return err
			}
		}
		sendAfterDecision(ctx, st, stderr)
		fmt.Fprintf(stdout, "%d decision(s) of %s taken back\n", len(shas), *examiner)
		return nil
	}
	if err := eng.Decide(ctx, *examiner, *category, shas); err != nil {
		return err
	}
	sendAfterDecision(ctx, st, stderr)
	fmt.Fprintf(stdout, "%d media set to category %s by %s\n", len(shas), *category, *examiner)
	return nil
}

func runSimilar(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("similar", "--case CASEDIR [--radius N] SHA256 | --clusters", stderr)
	caseDir := fs.caseFlags("case directory")
	radius := fs.Int("radius", 10, "pHash bits")
	clusters := fs.Bool("clusters", false, "list every near-duplicate cluster")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if !*clusters && len(pos) != 1 {
		return usageErr("give one SHA256, or --clusters")
	}
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(stdout)
	if *clusters {
		cs, err := eng.Clusters()
		if err != nil {
			return err
		}
		for i, c := range cs {
			if err := enc.Encode(map[string]any{"cluster": i + 1, "size": len(c), "sha256": c}); err != nil {
				return err
			}
		}
		return nil
	}
	ns, err := eng.Similar(strings.ToLower(pos[0]), *radius)
	if err != nil {
		return err
	}
	for _, n := range ns {
		if err := enc.Encode(n); err != nil {
			return err
		}
	}
	return nil
}

func runConflicts(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("conflicts", "--case CASEDIR", stderr)
	caseDir := fs.caseFlags("case directory")
	if _, err := parseInterspersed(fs, args); err != nil {
		return err
	}
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := eng.Conflicts()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for sha, c := range cs {
		if err := enc.Encode(map[string]any{"sha256": sha, "shown": c.Category, "sources": c.Conflict}); err != nil {
			return err
		}
	}
	return nil
}
