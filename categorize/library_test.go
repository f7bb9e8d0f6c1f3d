package categorize

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"scrim/hashlib"
	"scrim/store"
)

// libraryCase is mappingCase matched against the library in dir only.
func libraryCase(t *testing.T, sch Scheme, dir string) (*store.Store, *Engine) {
	st, e := mappingCase(t, sch)
	e.SetLibrary(dir)
	return st, e
}

// Every set imported once into the library gives two cases exactly the
// categories a per-case import gives, with no copy of its entries in
// either case, and each case records the set's provenance.
func TestLibraryMatchesLikeCaseImport(t *testing.T) {
	ctx := context.Background()
	sets := mappingSets(t)
	lib := filepath.Join(t.TempDir(), "hashlib")
	vic, _ := SchemeByID("vic-us")
	ref, refEng := mappingCase(t, vic)
	refEng.SetLibrary("")
	for _, name := range []string{"vics-us", "icse", "nsrl", "text"} {
		opt := ImportOptions{Format: formatOf(name), Name: name, By: "lab"}
		if name == "text" {
			opt.Category = "1"
		}
		if _, _, err := refEng.Import(ctx, sets[name], opt); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ImportLibrary(ctx, lib, sets[name], vic, opt, time.Now()); err != nil {
			t.Fatal(name, err)
		}
	}
	want := categories(t, ref)
	for _, c := range []string{"a", "b"} {
		st, e := libraryCase(t, vic, lib)
		if _, err := e.MatchKnown(ctx); err != nil {
			t.Fatal(c, err)
		}
		if got := categories(t, st); !slices.Equal(got, want) {
			t.Fatalf("case %s: categories %q, a per-case import gives %q", c, got, want)
		}
		hs, err := st.HashSets()
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 4 {
			t.Fatalf("case %s records %d sets, want the 4 that matched: %+v", c, len(hs), hs)
		}
		for _, h := range hs {
			if h.Library != lib || h.FileSHA256 == "" || h.Mapping == "" || h.Matched == 0 || h.Scheme != "vic-us" {
				t.Errorf("case %s: provenance %+v", c, h)
			}
		}
		if k, _ := st.Known("md5", md5Of("m1")); len(k) != 0 {
			t.Errorf("case %s holds hash-set entries: %+v", c, k)
		}
		// Matching again (the next ingest) changes nothing.
		if _, err := e.MatchKnown(ctx); err != nil {
			t.Fatal(err)
		}
		if got := categories(t, st); !slices.Equal(got, want) {
			t.Fatalf("case %s after a second match: %q", c, got)
		}
	}
}

// A case keeps the provenance and matches of a set removed from the
// library; a new case no longer matches it.
func TestLibraryRemovalKeepsCaseProvenance(t *testing.T) {
	ctx := context.Background()
	sets := mappingSets(t)
	lib := filepath.Join(t.TempDir(), "hashlib")
	vic, _ := SchemeByID("vic-us")
	if _, _, err := ImportLibrary(ctx, lib, sets["vics-us"], vic, ImportOptions{Format: "vics", Name: "pv"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, e := libraryCase(t, vic, lib)
	if _, err := e.MatchKnown(ctx); err != nil {
		t.Fatal(err)
	}
	before := categories(t, st)
	if _, err := hashlib.Remove(lib, "pv"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.MatchKnown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := categories(t, st); !slices.Equal(got, before) {
		t.Fatalf("after removal %q, before %q", got, before)
	}
	hs, _ := st.HashSets()
	if len(hs) != 1 || hs[0].Name != "pv" || hs[0].Matched != 5 {
		t.Fatalf("provenance after removal: %+v", hs)
	}
	c, _, _ := st.Category(sha256Of("m1"))
	if c.Source != "hashset:pv" {
		t.Errorf("category source %q, want hashset:pv", c.Source)
	}
	fresh, fe := libraryCase(t, vic, lib)
	if _, err := fe.MatchKnown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := categories(t, fresh); slices.ContainsFunc(got, func(s string) bool { return s != "" }) {
		t.Fatalf("a new case matched a removed set: %q", got)
	}
}

// The mapping refusal comes before the library is touched.
func TestLibraryMappingRefusedBeforeWrite(t *testing.T) {
	sets := mappingSets(t)
	lib := filepath.Join(t.TempDir(), "hashlib")
	caid, _ := SchemeByID("caid-uk")
	_, _, err := ImportLibrary(context.Background(), lib, sets["vics-us"], caid, ImportOptions{Format: "vics", Name: "pv"}, time.Now())
	if err == nil || !strings.Contains(err.Error(), "Nothing was imported") {
		t.Fatalf("VICS US into caid-uk: %v", err)
	}
	l, err := hashlib.Open(lib)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !l.Empty() {
		t.Fatalf("the refused import reached the library: %+v", l.Sets())
	}
	if left, _ := filepath.Glob(filepath.Join(lib, "*")); len(left) != 1 || filepath.Base(left[0]) != "lock" {
		t.Fatalf("the refused import left %v in the library folder", left)
	}
}

// Two library sets that disagree show the stricter category and the
// conflict; an examiner's decision wins over both and stays after the
// next match.
func TestLibraryConflictAndDecision(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	lib := filepath.Join(dir, "hashlib")
	vic, _ := SchemeByID("vic-us")
	list := filepath.Join(dir, "m3.txt")
	os.WriteFile(list, []byte(md5Of("m3")+"\n"), 0o644)
	for _, c := range []string{"1", "5"} {
		if _, _, err := ImportLibrary(ctx, lib, list, vic, ImportOptions{Format: "text", Name: "list-" + c, Category: c}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	st, e := libraryCase(t, vic, lib)
	if _, err := e.MatchKnown(ctx); err != nil {
		t.Fatal(err)
	}
	sha := sha256Of("m3")
	c, _, _ := st.Category(sha)
	if c.Category != "1" || len(c.Conflict) == 0 {
		t.Fatalf("category %+v, want 1 with a conflict", c)
	}
	if err := e.Decide(ctx, "anna", "2", []string{sha}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.MatchKnown(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := st.Category(sha); c.Category != "2" {
		t.Fatalf("after the next match: %+v, the examiner's 2 must win", c)
	}
}

// A set imported for another scheme is not applied, and the error names it.
func TestLibraryOtherSchemeNotApplied(t *testing.T) {
	ctx := context.Background()
	sets := mappingSets(t)
	lib := filepath.Join(t.TempDir(), "hashlib")
	caid, _ := SchemeByID("caid-uk")
	if _, _, err := ImportLibrary(ctx, lib, sets["vics-uk"], caid, ImportOptions{Format: "vics", Name: "uk"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	vic, _ := SchemeByID("vic-us")
	st, e := libraryCase(t, vic, lib)
	_, err := e.MatchKnown(ctx)
	if err == nil || !strings.Contains(err.Error(), "set uk") {
		t.Fatalf("caid-uk set in a vic-us case: %v", err)
	}
	if got := categories(t, st); slices.ContainsFunc(got, func(s string) bool { return s != "" }) {
		t.Fatalf("categories applied from another scheme: %q", got)
	}
}
