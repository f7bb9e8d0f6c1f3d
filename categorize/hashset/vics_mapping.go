package hashset

import (
	"fmt"
	"strconv"
	"strings"
)

// Project VIC category codes and Scrim's default scheme differ in one place
// that matters: VICS (1.x and the 2.0 Default/US models, the numbering Project
// VIC, Griffeye and Magnet tools use) writes 0 for "Non-Pertinent" and leaves
// Category null (or absent) for uncategorized, while Scrim's Project VIC US
// scheme uses 0 for Uncategorized and 5 for Non-pertinent. So VICS 0 → 5.
// Reading 0 as "uncategorized" would be the cautious-looking but wrong
// choice: national VICS hash sets are mostly category-0 ignorable material,
// which would then all land in front of the examiner as unknown.
//
// The UK model carries CAID categories: 1, 2, 3 are Category A, B, C (all
// illegal, so all → 1) and 4 is non-indecent; Clees4All, a UK exporter,
// writes no Category for 0, i.e. 0 means "not assessed" there, hence 0 → 0.
// Non-indecent material from a CAID series is not illegal but is part of a
// victim's series: it maps to 2 (exploitive/age difficult) so it stays in
// front of the examiner instead of being filed as non-pertinent. Letter
// codes "A", "B", "C" are accepted too, as some exporters write them.
//
// CUSTOM (and any model name not listed) defines its own codes in a
// metadata document Scrim does not receive; the VICS US numbering is assumed
// because the exporters seen in practice use it, and the summary says so.
//
// Any code missing from a table maps to 0 (uncategorized): the digest is
// still known, but Scrim will not guess what the source meant.

// codeRule maps one source category code.
type codeRule struct {
	From, To, Label string
}

// vicsModel is the category numbering of one VICS data model.
type vicsModel struct {
	Rules []codeRule
	Note  string // printed after the rules in the summary
}

var vicsUSRules = []codeRule{
	{"0", "5", "non-pertinent"},
	{"1", "1", "child abuse material"},
	{"2", "2", "child exploitive/age difficult"},
	{"3", "3", "CGI/animation"},
	{"4", "4", "exemplar/comparison"},
}

// vicsModels is keyed by the upper-case model name of the @odata.context
// URL ("1.X" for 1.x files, which have no model).
var vicsModels = map[string]vicsModel{
	"1.X":     {Rules: vicsUSRules},
	"DEFAULT": {Rules: vicsUSRules},
	"US":      {Rules: vicsUSRules},
	"UK": {Rules: []codeRule{
		{"0", "0", "not assessed"},
		{"1", "1", "A"},
		{"2", "1", "B"},
		{"3", "1", "C"},
		{"4", "2", "non-indecent"},
		{"A", "1", "A"},
		{"B", "1", "B"},
		{"C", "1", "C"},
	}},
	"CUSTOM": {Rules: vicsUSRules, Note: "CUSTOM model: codes assumed to follow VICS US numbering"},
}

// uncategorized is Scrim's code for a code no table knows.
const uncategorized = "0"

// lookupModel returns the table for a model name; unknown names get the
// CUSTOM table.
func lookupModel(name string) vicsModel {
	if m, ok := vicsModels[strings.ToUpper(name)]; ok {
		return m
	}
	m := vicsModels["CUSTOM"]
	m.Note = fmt.Sprintf("unknown model %q: codes assumed to follow VICS US numbering", name)
	return m
}

// mapCode converts a source category to Scrim's scheme. src "" (null or
// absent) stays "".
func (m vicsModel) mapCode(src string) string {
	s := strings.ToUpper(strings.TrimSpace(src))
	if s == "" {
		return ""
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		s = strconv.FormatInt(int64(f), 10) // "1.0", "01" → "1"
	}
	for _, r := range m.Rules {
		if r.From == s {
			return r.To
		}
	}
	return uncategorized
}

// describe renders the mapping for the import summary.
func (m vicsModel) describe(variant string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "VICS %s: ", variant)
	for i, r := range m.Rules {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s→%s (%s)", r.From, r.To, r.Label)
	}
	b.WriteString("; null → none; other codes → 0 (uncategorized)")
	if m.Note != "" {
		b.WriteString("; " + m.Note)
	}
	return b.String()
}

// parseContext reads the data model from the OData metadata key: 1.x files
// carry "odata.metadata" (".../DataModels/1.3.xml#Cases"), 2.0 files
// "@odata.context" (".../DataModels/2.0.xml/US/$metadata#Cases").
func parseContext(key, url string) (variant string, model vicsModel) {
	if strings.EqualFold(key, "odata.metadata") {
		return "1.x", vicsModels["1.X"]
	}
	version, name := "2.0", "Default"
	rest := url
	if i := strings.Index(strings.ToLower(rest), "datamodels/"); i >= 0 {
		rest = rest[i+len("datamodels/"):]
		if j := strings.Index(strings.ToLower(rest), ".xml"); j > 0 {
			version = rest[:j]
			rest = rest[j+len(".xml"):]
		}
		rest = strings.TrimPrefix(rest, "/")
		if j := strings.IndexAny(rest, "/$#"); j >= 0 {
			rest = rest[:j]
		}
		if rest != "" {
			name = rest
		}
	}
	switch strings.ToUpper(name) {
	case "DEFAULT":
		name = "Default"
	case "US", "UK", "CUSTOM":
		name = strings.ToUpper(name)
	}
	variant = version + " " + name
	return variant, lookupModel(name)
}
