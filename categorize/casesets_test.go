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
	"scrim/store/casekey"
)

// importAll imports every mapping set into the case e works on.
func importAll(t *testing.T, e *Engine, sets map[string]string) {
	t.Helper()
	for _, name := range []string{"vics-us", "icse", "nsrl", "text"} {
		opt := ImportOptions{Format: formatOf(name), Name: name, By: "lab"}
		if name == "text" {
			opt.Category = "1"
		}
		if _, _, err := e.Import(context.Background(), sets[name], opt); err != nil {
			t.Fatal(name, err)
		}
	}
}

// A case keeps its sets as sorted runs beside its store and an encrypted
// case keeps them as store records: the two give the same categories and
// the same provenance, and each keeps nothing of the set the other way.
func TestCaseSetRunsMatchStoreEntries(t *testing.T) {
	sets := mappingSets(t)
	vic, _ := SchemeByID("vic-us")
	plain, pe := mappingCase(t, vic)
	pe.SetLibrary("")
	importAll(t, pe, sets)
	enc, ee := mappingCaseWith(t, vic, store.Options{Create: true, Encrypt: true, Key: casekey.Secret{Passphrase: "case sets test"}})
	ee.SetLibrary("")
	importAll(t, ee, sets)

	if got, want := categories(t, plain), categories(t, enc); !slices.Equal(got, want) || !slices.ContainsFunc(got, func(c string) bool { return c != "" }) {
		t.Fatalf("runs give %q, store entries %q", got, want)
	}
	if CaseSetsDir(enc) != "" {
		t.Fatalf("an encrypted case keeps runs in %s", CaseSetsDir(enc))
	}
	if ok, _ := enc.HasKnownEntries(); !ok {
		t.Fatal("the encrypted case holds no hash-set entries")
	}
	if ok, _ := plain.HasKnownEntries(); ok {
		t.Fatal("the case holds hash-set entries in its store beside its runs")
	}
	lib, err := hashlib.Open(CaseSetsDir(plain))
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	if err := lib.Verify(); err != nil {
		t.Fatal(err)
	}
	if n := len(lib.Sets()); n != 4 {
		t.Fatalf("the case's runs hold %d sets, want 4", n)
	}
	ph, _ := plain.HashSets()
	eh, _ := enc.HashSets()
	if len(ph) != 4 || len(eh) != 4 {
		t.Fatalf("provenance: %d and %d sets", len(ph), len(eh))
	}
	for i := range ph {
		p, e := ph[i], eh[i]
		if p.ID != e.ID || p.Entries != e.Entries || p.Matched != e.Matched || p.Mapping != e.Mapping || p.FileSHA256 != e.FileSHA256 || p.Library != "" {
			t.Errorf("set %s: runs record %+v, store entries %+v", p.ID, p, e)
		}
	}
	// The next ingest matches again and changes nothing.
	if _, err := pe.MatchKnown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := categories(t, plain), categories(t, enc); !slices.Equal(got, want) {
		t.Fatalf("after a second match %q, want %q", got, want)
	}
}

// Importing a set again under its name puts the new version in place of
// the old: later matches use the new entries, and assignments already made
// stay as history.
func TestCaseSetReimportReplaces(t *testing.T) {
	ctx := context.Background()
	vic, _ := SchemeByID("vic-us")
	st, e := mappingCase(t, vic)
	e.SetLibrary("")
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "v1.txt"), filepath.Join(dir, "v2.txt")
	os.WriteFile(v1, []byte(md5Of("m1")+"\n"+md5Of("m2")+"\n"), 0o644)
	os.WriteFile(v2, []byte(md5Of("m3")+"\n"), 0o644)
	if _, _, err := e.Import(ctx, v1, ImportOptions{Format: "text", Name: "list", Category: "1"}); err != nil {
		t.Fatal(err)
	}
	hs, _, err := e.Import(ctx, v2, ImportOptions{Format: "text", Name: "list", Category: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if hs.Matched != 1 || hs.Entries != 1 {
		t.Fatalf("second version: %+v", hs)
	}
	if got := strings.Join(categories(t, st), ","); got != ",1,1,2,,,,,," {
		t.Fatalf("categories %s", got)
	}
	lib, err := hashlib.Open(CaseSetsDir(st))
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close()
	if s := lib.Sets(); len(s) != 1 || s[0].HashSet.FileSHA256 != hs.FileSHA256 {
		t.Fatalf("the case's runs hold %+v", s)
	}
	runs, _ := filepath.Glob(filepath.Join(CaseSetsDir(st), "run-*"))
	if len(runs) != 1 {
		t.Fatalf("runs left beside the new version: %v", runs)
	}
	recorded, _ := st.HashSets()
	if len(recorded) != 1 || recorded[0].FileSHA256 != hs.FileSHA256 {
		t.Fatalf("provenance %+v", recorded)
	}
}

// An import cut off after its runs were published but before the case
// recorded the set is recorded, and audited, at the next match.
func TestCaseSetCutOffImportRecordedAtMatch(t *testing.T) {
	ctx := context.Background()
	vic, _ := SchemeByID("vic-us")
	st, e := mappingCase(t, vic)
	e.SetLibrary("")
	list := filepath.Join(t.TempDir(), "list.txt")
	os.WriteFile(list, []byte(md5Of("m4")+"\n"), 0o644)
	if _, _, err := importRuns(ctx, CaseSetsDir(st), "", list, vic, ImportOptions{Format: "text", Name: "cut", Category: "1", By: "alice"}, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.HashSets(); len(got) != 0 {
		t.Fatalf("recorded before the match: %+v", got)
	}
	if n, err := e.MatchKnown(ctx); err != nil || n != 1 {
		t.Fatalf("matched %d: %v", n, err)
	}
	got, _ := st.HashSets()
	if len(got) != 1 || got[0].ID != "cut" || got[0].Library != "" || got[0].By != "alice" {
		t.Fatalf("recorded %+v", got)
	}
	c, _, _ := st.Category(sha256Of("m4"))
	if c.Category != "1" || c.Source != "hashset:cut" {
		t.Fatalf("m4: %+v", c)
	}
	var notes []string
	st.EachAudit(func(a store.AuditEntry) error {
		if a.Action == "hashset-import" {
			notes = append(notes, a.Detail["note"])
		}
		return nil
	})
	if len(notes) != 1 || !strings.Contains(notes[0], "cut off") {
		t.Fatalf("audit of the recovered import: %q", notes)
	}
}

// A case set never takes the name under which the case cites a library set.
func TestCaseSetRefusesCitedLibraryName(t *testing.T) {
	ctx := context.Background()
	sets := mappingSets(t)
	lib := filepath.Join(t.TempDir(), "hashlib")
	vic, _ := SchemeByID("vic-us")
	if _, _, err := ImportLibrary(ctx, lib, sets["text"], vic, ImportOptions{Format: "text", Name: "shared", Category: "1"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, e := libraryCase(t, vic, lib)
	if _, err := e.MatchKnown(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.Import(ctx, sets["icse"], ImportOptions{Format: "icse", Name: "shared"})
	if err == nil || !strings.Contains(err.Error(), "another --name") {
		t.Fatalf("import under a cited library name: %v", err)
	}
	if got, _ := st.HashSets(); len(got) != 1 || got[0].Library != lib {
		t.Fatalf("provenance after the refusal: %+v", got)
	}
}
