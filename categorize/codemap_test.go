package categorize

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"scrim/store"
)

func sha1Of(s string) string   { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha256Of(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// mappingCase is a case in scheme sch holding media m0…m9 (the digests of
// those strings).
func mappingCase(t *testing.T, sch Scheme) (*store.Store, *Engine) {
	t.Helper()
	return mappingCaseWith(t, sch, store.Options{Create: true})
}

// mappingCaseWith is mappingCase opened with opt (an encrypted case).
func mappingCaseWith(t *testing.T, sch Scheme, opt store.Options) (*store.Store, *Engine) {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b := st.NewBatch()
	for i := range 10 {
		s := fmt.Sprint("m", i)
		sha := sha256Of(s)
		if _, err := b.Add(store.FileRecord{Occurrence: store.Occurrence{Evidence: "ev", Path: "/" + s, SHA256: sha},
			Media: &store.Media{SHA256: sha, MD5: md5Of(s), SHA1: sha1Of(s), Kind: "picture", Type: "jpeg"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	return st, NewEngine(st, sch)
}

// mappingSets writes one hash set per format: VICS US and UK with codes 0-4
// on m0…m4, a VICS CUSTOM set, ICSE with m1 baseline and m2 not, NSRL with
// m5, a text list with m6.
func mappingSets(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	vics := func(model string, codes ...string) string {
		var media []string
		for i, c := range codes {
			media = append(media, fmt.Sprintf(`{"MediaID":%d,"Category":%s,"MD5":"%s"}`, i+1, c, strings.ToUpper(md5Of(fmt.Sprint("m", i)))))
		}
		return `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/` + model +
			`/$metadata#Media","value":[` + strings.Join(media, ",") + `]}`
	}
	q := func(s string) string { return `"` + s + `"` }
	files := map[string]string{
		"vics-us":     vics("US", "0", "1", "2", "3", "4"),
		"vics-uk":     vics("UK", "0", "1", "2", "3", "4"),
		"vics-custom": vics("CUSTOM", "null", "7"),
		"icse":        "MD5;SHA1;Baseline\n" + md5Of("m1") + ";;true\n" + md5Of("m2") + ";;false\n",
		"nsrl": `"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"` + "\r\n" +
			strings.Join([]string{q(strings.ToUpper(sha1Of("m5"))), q(strings.ToUpper(md5Of("m5"))), q("00"), q("a.dll"), "1", "1", q("358"), q("")}, ",") + "\r\n",
		"text": sha256Of("m6") + "\n",
	}
	out := map[string]string{}
	for name, doc := range files {
		p := filepath.Join(dir, name+".txt")
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

func formatOf(set string) string {
	if strings.HasPrefix(set, "vics") {
		return "vics"
	}
	return set
}

// categories returns the effective category of m0…m9 ("" for none).
func categories(t *testing.T, st *store.Store) []string {
	t.Helper()
	out := make([]string, 10)
	for i := range out {
		c, ok, err := st.Category(sha256Of(fmt.Sprint("m", i)))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			out[i] = c.Category
		}
	}
	return out
}

// TestImportMapsOrRefuses runs every hash-set format into every built-in
// scheme and a custom one: each import maps as the table says, or is
// refused naming the codes and their counts with nothing imported; --map
// then makes the examiner's choice.
func TestImportMapsOrRefuses(t *testing.T) {
	custom := Scheme{ID: "lab", Name: "Lab", Categories: []Category{
		{Code: "X", Label: "Illegal", Illegal: true, Severity: 2}, {Code: "Y", Label: "Other", Severity: 1}}}
	type want struct {
		cats    string // m0…m9 after the import, "-" for none
		refused string // substring of the refusal
	}
	for _, tc := range []struct {
		scheme, set, category, mapping string
		want
	}{
		{"vic-us", "vics-us", "", "", want{cats: "5,1,2,3,4,-,-,-,-,-"}},
		{"vic-us", "vics-uk", "", "", want{refused: "code 3 (CAID Category C): 1 record; code 4 (CAID non-indecent): 1 record"}},
		{"vic-us", "vics-uk", "", "3=1,4=2", want{cats: "0,1,1,1,2,-,-,-,-,-"}},
		{"vic-us", "vics-custom", "", "", want{refused: "code 7 (meaning not known): 1 record"}},
		{"vic-us", "vics-custom", "", "7=2", want{cats: "-,2,-,-,-,-,-,-,-,-"}},
		{"vic-us", "icse", "", "", want{cats: "-,1,-,-,-,-,-,-,-,-"}},
		{"vic-us", "icse", "2", "", want{cats: "-,1,2,-,-,-,-,-,-,-"}},
		{"vic-us", "nsrl", "", "", want{cats: "-,-,-,-,-,5,-,-,-,-"}},
		{"vic-us", "text", "3", "", want{cats: "-,-,-,-,-,-,3,-,-,-"}},

		{"caid-uk", "vics-us", "", "", want{refused: "from VICS US into scheme caid-uk for code 1 (child abuse material): 1 record; code 2 (child exploitive / age difficult): 1 record; code 3 (CGI / animation): 1 record."}},
		{"caid-uk", "vics-us", "", "1=A,2=C,3=C", want{cats: "N,A,C,C,N,-,-,-,-,-"}},
		{"caid-uk", "vics-uk", "", "", want{cats: "U,A,B,C,N,-,-,-,-,-"}},
		{"caid-uk", "vics-custom", "", "", want{refused: "code 7 (meaning not known)"}},
		{"caid-uk", "icse", "", "", want{refused: "code baseline (Interpol baseline: illegal in every member country): 1 record"}},
		{"caid-uk", "icse", "", "baseline=A", want{cats: "-,A,-,-,-,-,-,-,-,-"}},
		{"caid-uk", "nsrl", "", "", want{cats: "-,-,-,-,-,N,-,-,-,-"}},
		{"caid-uk", "text", "B", "", want{cats: "-,-,-,-,-,-,B,-,-,-"}},

		{"oliver", "vics-us", "", "", want{refused: "code 0 (non-pertinent): 1 record; code 1 (child abuse material): 1 record; code 2"}},
		{"oliver", "vics-us", "", "0=0,1=5,2=0,3=0,4=0", want{cats: "0,5,0,0,0,-,-,-,-,-"}},
		{"oliver", "vics-uk", "", "", want{refused: "code 1 (CAID Category A): 1 record; code 2 (CAID Category B): 1 record; code 4 (CAID non-indecent): 1 record"}},
		{"oliver", "vics-uk", "", "1=5,2=3,4=0", want{cats: "0,5,3,1,0,-,-,-,-,-"}},
		{"oliver", "icse", "", "", want{refused: "code baseline"}},
		{"oliver", "nsrl", "", "", want{refused: "code known-good (NSRL known software): 1 record"}},
		{"oliver", "nsrl", "0", "", want{cats: "-,-,-,-,-,0,-,-,-,-"}},
		{"oliver", "text", "2", "", want{cats: "-,-,-,-,-,-,2,-,-,-"}},

		{"lab", "vics-us", "", "", want{refused: "code 0 (non-pertinent): 1 record; code 1"}},
		{"lab", "vics-us", "", "0=Y,1=X,2=X,3=Y,4=Y", want{cats: "Y,X,X,Y,Y,-,-,-,-,-"}},
		{"lab", "vics-uk", "", "", want{refused: "code 0 (not assessed)"}},
		{"lab", "icse", "", "", want{refused: "code baseline"}},
		{"lab", "nsrl", "", "", want{refused: "code known-good"}},
		{"lab", "nsrl", "Y", "", want{cats: "-,-,-,-,-,Y,-,-,-,-"}},
		{"lab", "text", "X", "", want{cats: "-,-,-,-,-,-,X,-,-,-"}},
	} {
		name := tc.scheme + "/" + tc.set + "/" + tc.category + "/" + tc.mapping
		t.Run(name, func(t *testing.T) {
			sch, ok := SchemeByID(tc.scheme)
			if !ok {
				sch = custom
			}
			st, e := mappingCase(t, sch)
			sets := mappingSets(t)
			user, err := ParseCodeMap(tc.mapping)
			if err != nil {
				t.Fatal(err)
			}
			hs, sum, err := e.Import(context.Background(), sets[tc.set], ImportOptions{Format: formatOf(tc.set), Name: tc.set,
				Category: tc.category, Map: user, By: "alice"})
			if tc.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refused) || !strings.Contains(err.Error(), "Nothing was imported") {
					t.Fatalf("want refusal with %q, got %v", tc.refused, err)
				}
				// Nothing is imported: no set, no known entry, no category.
				if got, _ := st.HashSets(); len(got) != 0 {
					t.Errorf("refused import left hash sets %+v", got)
				}
				for i := range 10 {
					if k, _ := st.Known("md5", md5Of(fmt.Sprint("m", i))); len(k) != 0 {
						t.Errorf("refused import left known entries for m%d: %+v", i, k)
					}
				}
				if got := strings.Join(categories(t, st), ","); got != ",,,,,,,,," {
					t.Errorf("refused import categorized %s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cats := categories(t, st)
			for i, c := range cats {
				if c == "" {
					cats[i] = "-"
				}
			}
			got := strings.Join(cats, ",")
			if got != tc.cats {
				t.Errorf("categories %s, want %s (mapping %s)", got, tc.cats, sum.Mapping)
			}
			// Every stored known entry carries a code of the case's scheme.
			for i := range 10 {
				ks, _ := st.Known("md5", md5Of(fmt.Sprint("m", i)))
				for _, k := range ks {
					if _, ok := sch.ByCode(k.Category); k.Category != "" && !ok {
						t.Errorf("m%d stored with code %q, not in %s", i, k.Category, sch.ID)
					}
				}
			}
			// The mapping used is recorded on the set, and --map choices are marked.
			sets2, _ := st.HashSets()
			if len(sets2) != 1 || sets2[0].Mapping != sum.Mapping || sets2[0].Mapping != hs.Mapping || sum.Mapping == "" {
				t.Fatalf("stored set %+v, summary mapping %q", sets2, sum.Mapping)
			}
			for src, dst := range user {
				found := false
				for _, c := range sets2[0].Codes {
					if c.From == src {
						found = c.To == dst && c.ByMap
					}
				}
				if !found || !strings.Contains(sum.Mapping, "→ "+dst+" (--map)") {
					t.Errorf("--map %s=%s not recorded: %+v / %s", src, dst, sets2[0].Codes, sum.Mapping)
				}
			}
		})
	}
}

// The mapping printed names every source code, its meaning, its target and
// its count.
func TestImportMappingText(t *testing.T) {
	sch, _ := SchemeByID("caid-uk")
	_, e := mappingCase(t, sch)
	user, _ := ParseCodeMap("1=A,2=c,3=C")
	_, _, err := e.Import(context.Background(), mappingSets(t)["vics-us"], ImportOptions{Format: "vics", Name: "us", Map: user})
	if err == nil || !strings.Contains(err.Error(), "--map 2=c: c is not in scheme caid-uk") {
		t.Fatalf("lower-case target: %v", err)
	}
	user, _ = ParseCodeMap("01=A,2=C,3=C")
	hs, _, err := e.Import(context.Background(), mappingSets(t)["vics-us"], ImportOptions{Format: "vics", Name: "us", Map: user})
	if err != nil {
		t.Fatal(err)
	}
	want := "VICS US → caid-uk: 0 non-pertinent → N [1 record]; 1 child abuse material → A (--map) [1 record]; " +
		"2 child exploitive / age difficult → C (--map) [1 record]; 3 CGI / animation → C (--map) [1 record]; " +
		"4 exemplar / comparison (not abuse material) → N [1 record]; no category in the source → none"
	if hs.Mapping != want {
		t.Errorf("mapping\n got %s\nwant %s", hs.Mapping, want)
	}
}

// --map is checked against both vocabularies before anything is read twice.
func TestImportMapValidated(t *testing.T) {
	sch, _ := SchemeByID("caid-uk")
	_, e := mappingCase(t, sch)
	sets := mappingSets(t)
	for _, tc := range []struct{ set, category, mapping, msg string }{
		{"vics-us", "", "1=Z,2=C,3=C", "--map 1=Z: Z is not in scheme caid-uk"},
		{"vics-us", "", "1=A,2=C,3=C,9=N", "--map 9=N: 9 is not a VICS US code (its codes: 0, 1, 2, 3, 4) and no entry of vics-us carries it"},
		{"text", "B", "1=A", "carries no categories of its own; give --category C instead"},
	} {
		user, err := ParseCodeMap(tc.mapping)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.Import(context.Background(), sets[tc.set], ImportOptions{Format: formatOf(tc.set), Name: tc.set, Category: tc.category, Map: user})
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s --map %s: %v, want %q", tc.set, tc.mapping, err, tc.msg)
		}
	}
	for _, bad := range []string{"1", "1=", "=A", "1=A,1=B"} {
		if _, err := ParseCodeMap(bad); err == nil {
			t.Errorf("ParseCodeMap(%q) accepted", bad)
		}
	}
}

// FuzzParseCodeMap: any --map text parses or is refused with an error,
// never a panic, and what parses has non-empty codes on both sides.
func FuzzParseCodeMap(f *testing.F) {
	for _, s := range []string{"1=A,2=N", " 01 = A ", "baseline=1", "KNOWN-GOOD=5", "1=A,1=B", "=", ",,", "1.5=A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseCodeMap(s)
		if err != nil {
			return
		}
		for src, dst := range m {
			if src == "" || dst == "" {
				t.Fatalf("%q: empty code in %v", s, m)
			}
		}
	})
}

// A set stored before codes were mapped may hold codes of another scheme
// (a VICS US "1" in a CAID case): matching never applies them, and says so.
func TestMatchKnownSkipsForeignCodes(t *testing.T) {
	sch, _ := SchemeByID("caid-uk")
	st, e := mappingCase(t, sch)
	if err := st.PutHashSet(store.HashSet{ID: "old", Name: "old", Format: "vics"}); err != nil {
		t.Fatal(err)
	}
	b := st.NewBatch()
	b.AddKnown("md5", md5Of("m1"), store.KnownEntry{Set: "old", Category: "1", SourceCategory: "1"})
	b.AddKnown("md5", md5Of("m2"), store.KnownEntry{Set: "old", Category: "B"})
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	n, err := e.MatchKnown(context.Background())
	if err == nil || !strings.Contains(err.Error(), `set old code "1" (1 matches) not in scheme caid-uk`) {
		t.Fatalf("err %v", err)
	}
	if got := strings.Join(categories(t, st), ","); n != 1 || got != ",,B,,,,,,," {
		t.Errorf("matched %d: %s", n, got)
	}
}
