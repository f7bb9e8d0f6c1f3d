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

	"scrim/categorize"
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
	if len(args) == 0 || (args[0] != "import" && args[0] != "list") {
		return usageErr("scrim hashset import|list --case CASEDIR ...")
	}
	if args[0] == "list" {
		fs := newFlagSet("hashset list", "--case CASEDIR [--json]", stderr)
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
		sets, err := st.HashSets()
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(sets)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "name\tformat\tvariant\tentries\tbad\tmatched\timported\tby\tmapping")
		for _, s := range sets {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Name, s.Format, s.Variant, s.Entries, s.Bad, s.Matched, s.ImportedAt.Format("2006-01-02 15:04"), s.By, s.Mapping)
		}
		return tw.Flush()
	}
	fs := newFlagSet("hashset import", "--case CASEDIR --format vics|icse|nsrl|text [--category C] [--map SRC=DST,...] [--name NAME] FILE", stderr)
	caseDir := fs.caseFlags("case directory")
	format := fs.String("format", "", "vics, icse, nsrl or text")
	category := fs.String("category", "", "category of the case's scheme for every entry of a text list or NSRL set, and for ICSE entries without Baseline (NSRL default: the scheme's non-pertinent category)")
	codeMap := fs.String("map", "", "map the set's own category codes into the case's scheme, e.g. 1=A,2=C: needed for codes with no safe mapping (the import refuses and names them), or to override the table")
	name := fs.String("name", "", "name of the set (default: the file name)")
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
	st, eng, err := openEngine(caseDir)
	if err != nil {
		return err
	}
	defer st.Close()
	hs, sum, err := eng.Import(ctx, pos[0], categorize.ImportOptions{Format: *format, Name: *name, Category: *category, Map: userMap, By: *examiner})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"hashset": hs, "summary": sum})
	}
	fmt.Fprintf(stdout, "%s (%s %s): %d records, %d entries, %d bad", hs.Name, sum.Format, sum.Variant, sum.Records, sum.Entries, sum.Bad)
	if len(sum.FirstBad) > 0 {
		fmt.Fprintf(stdout, " (first at %v)", sum.FirstBad)
	}
	fmt.Fprintf(stdout, "; matched %d media of this case\n", hs.Matched)
	if sum.Mapping != "" {
		fmt.Fprintf(stdout, "category mapping: %s\n", sum.Mapping)
	}
	return nil
}

func runCategorize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("categorize", "--case CASEDIR --examiner NAME --category C [SHA256... | -]", stderr)
	caseDir := fs.caseFlags("case directory")
	examiner := fs.String("examiner", "", "who decides (required)")
	category := fs.String("category", "", "category code of the case's scheme")
	shas, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *examiner == "" || *category == "" {
		return usageErr("--examiner and --category are required")
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
	if err := eng.Decide(ctx, *examiner, *category, shas); err != nil {
		return err
	}
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
