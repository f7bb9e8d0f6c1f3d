package categorize

import (
	"fmt"
	"sort"
	"strings"

	"scrim/categorize/hashset"
	"scrim/store"
)

// Hash sets speak their own category vocabularies; a case keeps its own
// scheme. Every code a hash set carries is mapped into the case's scheme by
// the table below, or by the examiner with --map, or the import is refused:
// a source code is never stored raw, and never lands on a less severe
// meaning without a person deciding it.
//
// A missing scheme in a row's To means no safe mapping: the target scheme
// has no category with that meaning, or it splits the meaning in two (VICS
// "child abuse material" is CAID A, B or C and one of Oliver's five levels;
// CAID C covers posing that VICS may file as exploitive, 2, rather than 1).
// Custom schemes have no column: every code needs --map.
var codeTable = []sourceCode{
	{hashset.VocabVICSUS, "0", "non-pertinent", map[string]string{"vic-us": "5", "caid-uk": "N"}},
	{hashset.VocabVICSUS, "1", "child abuse material", map[string]string{"vic-us": "1"}},
	{hashset.VocabVICSUS, "2", "child exploitive / age difficult", map[string]string{"vic-us": "2"}},
	{hashset.VocabVICSUS, "3", "CGI / animation", map[string]string{"vic-us": "3"}},
	{hashset.VocabVICSUS, "4", "exemplar / comparison (not abuse material)", map[string]string{"vic-us": "4", "caid-uk": "N"}},

	{hashset.VocabVICSUK, "0", "not assessed", map[string]string{"vic-us": "0", "caid-uk": "U", "oliver": "0"}},
	{hashset.VocabVICSUK, "1", "CAID Category A", map[string]string{"vic-us": "1", "caid-uk": "A"}},
	{hashset.VocabVICSUK, "2", "CAID Category B", map[string]string{"vic-us": "1", "caid-uk": "B"}},
	{hashset.VocabVICSUK, "3", "CAID Category C", map[string]string{"caid-uk": "C", "oliver": "1"}},
	{hashset.VocabVICSUK, "4", "CAID non-indecent", map[string]string{"caid-uk": "N"}},

	{hashset.VocabICSE, hashset.CodeBaseline, "Interpol baseline: illegal in every member country", map[string]string{"vic-us": "1"}},

	{hashset.VocabNSRL, hashset.CodeKnownGood, "NSRL known software", map[string]string{"vic-us": "5", "caid-uk": "N"}},
}

// sourceCode is one code of a hash-set vocabulary and where it goes in
// each built-in scheme.
type sourceCode struct {
	Vocab, Code, Meaning string
	To                   map[string]string // built-in scheme ID → code
}

// vocabNames are the names the examiner reads.
var vocabNames = map[string]string{
	hashset.VocabVICSUS: "VICS US", hashset.VocabVICSUK: "VICS UK", hashset.VocabVICSCustom: "VICS CUSTOM",
	hashset.VocabICSE: "ICSE", hashset.VocabNSRL: "NSRL",
}

// openVocab tells whether a vocabulary may carry codes the table does not
// list: a file must then be read once before importing to know them all.
func openVocab(vocab string) bool {
	return vocab != hashset.VocabICSE && vocab != hashset.VocabNSRL && vocab != ""
}

// CodeMap is the examiner's --map: source code → code of the case's scheme.
type CodeMap map[string]string

// ParseCodeMap reads "SRC=DST,SRC=DST". Source codes are spelled the way
// Scrim keeps them (VICS "01" is "1", "a" is "A"); target codes are checked
// against the case's scheme at import.
func ParseCodeMap(s string) (CodeMap, error) {
	m := CodeMap{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for _, pair := range strings.Split(s, ",") {
		src, dst, ok := strings.Cut(pair, "=")
		src, dst = strings.TrimSpace(src), strings.TrimSpace(dst)
		if !ok || src == "" || dst == "" {
			return nil, fmt.Errorf("--map %q: want SRC=DST pairs separated by commas, e.g. 1=A,2=N", pair)
		}
		if lc := strings.ToLower(src); lc == hashset.CodeBaseline || lc == hashset.CodeKnownGood {
			src = lc
		} else {
			src = hashset.NormalizeCode(src)
		}
		if prev, dup := m[src]; dup && prev != dst {
			return nil, fmt.Errorf("--map: source code %s given twice (%s and %s)", src, prev, dst)
		}
		m[src] = dst
	}
	return m, nil
}

// codeMapping is how one import maps its source codes.
type codeMapping struct {
	vocab string
	to    map[string]string // source code → case code, mappable codes only
	rows  []store.CodeMapping
}

// tableTo is the table's target for a code in a scheme ("" when none).
func tableTo(vocab, code, scheme string) (sourceCode, string) {
	for _, r := range codeTable {
		if r.Vocab == vocab && r.Code == code {
			return r, r.To[scheme]
		}
	}
	return sourceCode{}, ""
}

// needsFirstPass tells whether the set must be read once before importing:
// its vocabulary may hold unknown codes, or a code it knows has no mapping
// in this scheme and the examiner gave none.
func needsFirstPass(vocab string, sch Scheme, user CodeMap) bool {
	if openVocab(vocab) {
		return true
	}
	for _, r := range codeTable {
		if r.Vocab == vocab && r.To[sch.ID] == "" && user[r.Code] == "" {
			return true
		}
	}
	return false
}

// resolveCodes decides where every code goes. counts holds the records per
// source code the set carries (-1: every entry, not counted). It refuses,
// naming each code and how many records carry it, when a code present has
// no mapping; and it refuses a --map that names a code neither the
// vocabulary nor the file knows, or a target outside the scheme.
func resolveCodes(name, vocab string, counts map[string]int64, sch Scheme, user CodeMap, codes string) (codeMapping, error) {
	cm := codeMapping{vocab: vocab, to: map[string]string{}}
	vname := vocabNames[vocab]
	if len(user) > 0 && vocab == "" {
		return cm, fmt.Errorf("--map: hash set %s carries no categories of its own; give --category C instead", name)
	}
	var order []string
	known := map[string]bool{}
	for _, r := range codeTable {
		if r.Vocab == vocab {
			order = append(order, r.Code)
			known[r.Code] = true
		}
	}
	var extra []string
	for c := range counts {
		if !known[c] {
			extra = append(extra, c)
		}
	}
	sort.Strings(extra)
	for src, dst := range user {
		if _, ok := sch.ByCode(dst); !ok {
			return cm, fmt.Errorf("--map %s=%s: %s is not in scheme %s (%s)", src, dst, dst, sch.ID, codes)
		}
		if _, seen := counts[src]; !known[src] && !seen {
			what := "its codes: " + strings.Join(order, ", ")
			if len(order) == 0 {
				what = "no code has a known meaning"
			}
			return cm, fmt.Errorf("--map %s=%s: %s is not a %s code (%s) and no entry of %s carries it", src, dst, src, vname, what, name)
		}
	}
	var refused []string
	for _, code := range append(order, extra...) {
		r, to := tableTo(vocab, code, sch.ID)
		row := store.CodeMapping{From: code, Meaning: r.Meaning, Records: counts[code]}
		if row.Meaning == "" {
			row.Meaning = "not a " + vname + " code"
			if vocab == hashset.VocabVICSCustom {
				row.Meaning = "meaning not known"
			}
		}
		if u, ok := user[code]; ok {
			to, row.ByMap = u, true
		}
		switch {
		case to != "":
			row.To = to
			cm.to[code] = to
		case row.Records != 0:
			n := fmt.Sprintf("%d records", row.Records)
			if row.Records == 1 {
				n = "1 record"
			} else if row.Records < 0 {
				n = "every entry"
			}
			refused = append(refused, fmt.Sprintf("%s (%s): %s", code, row.Meaning, n))
		}
		cm.rows = append(cm.rows, row)
	}
	if len(refused) > 0 {
		return cm, fmt.Errorf("hash set %s: no safe mapping from %s into scheme %s for code %s. Nothing was imported: decide with --map SRC=DST,... (codes of %s: %s)",
			name, vname, sch.ID, strings.Join(refused, "; code "), sch.ID, codes)
	}
	return cm, nil
}

// count records the codes the import pass met, for the summary.
func (cm *codeMapping) count(seen map[string]int64) {
	for i := range cm.rows {
		cm.rows[i].Records = seen[cm.rows[i].From]
	}
}

// describe renders the mapping for the summary, `scrim hashset list` and
// the report. other is what entries without a source code got.
func (cm *codeMapping) describe(scheme, other string) string {
	var b strings.Builder
	if cm.vocab != "" {
		fmt.Fprintf(&b, "%s → %s: ", vocabNames[cm.vocab], scheme)
	}
	for i, r := range cm.rows {
		if i > 0 {
			b.WriteString("; ")
		}
		to := r.To
		switch {
		case to == "":
			to = "not mapped"
		case r.ByMap:
			to += " (--map)"
		}
		fmt.Fprintf(&b, "%s %s → %s", r.From, r.Meaning, to)
		switch {
		case r.Records == 1:
			b.WriteString(" [1 record]")
		case r.Records >= 0:
			fmt.Fprintf(&b, " [%d records]", r.Records)
		}
	}
	if len(cm.rows) > 0 {
		b.WriteString("; ")
	}
	if other == "" {
		b.WriteString("no category in the source → none")
	} else {
		fmt.Fprintf(&b, "no category in the source → %s (--category)", other)
	}
	return b.String()
}

// schemeVocab says which hash-set vocabulary speaks a built-in scheme's
// codes, and each code's spelling there: a lab record decided in another
// scheme reaches this case's scheme through the same table an imported
// VICS set does. Oliver and custom schemes have none.
var schemeVocab = map[string]struct {
	vocab string
	code  map[string]string
}{
	"vic-us":  {hashset.VocabVICSUS, map[string]string{"1": "1", "2": "2", "3": "3", "4": "4", "5": "0"}},
	"caid-uk": {hashset.VocabVICSUK, map[string]string{"A": "1", "B": "2", "C": "3", "N": "4", "U": "0"}},
}

// MapSchemeCode maps a category code of scheme from into scheme to, or
// says why it cannot (no vocabulary for the scheme, or no safe mapping).
func MapSchemeCode(from, code string, to Scheme) (string, error) {
	if from == to.ID {
		if _, ok := to.ByCode(code); !ok {
			return "", fmt.Errorf("code %s is not in scheme %s", code, to.ID)
		}
		return code, nil
	}
	v, ok := schemeVocab[from]
	if !ok {
		return "", fmt.Errorf("scheme %s has no mapping into %s", from, to.ID)
	}
	src, ok := v.code[code]
	if !ok {
		return "", fmt.Errorf("code %s of %s has no mapping into %s", code, from, to.ID)
	}
	row, dst := tableTo(v.vocab, src, to.ID)
	if dst == "" {
		return "", fmt.Errorf("no safe mapping from %s %s (%s) into %s", from, code, row.Meaning, to.ID)
	}
	return dst, nil
}
