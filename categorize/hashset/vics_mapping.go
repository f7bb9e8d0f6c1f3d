package hashset

import (
	"strconv"
	"strings"
)

// Vocabularies: which category codes a hash set speaks. Readers only tell
// the vocabulary and hand each entry's code on (Entry.Code); package
// categorize maps the codes into the case's own scheme with an explicit
// table per vocabulary and scheme, or refuses, so a source code is never
// stored as if it were a code of the case.
const (
	// VocabVICSUS is VICS 1.x and the 2.0 Default/US models, the numbering
	// Project VIC, Griffeye and Magnet tools use: 0 non-pertinent, 1 child
	// abuse material, 2 child exploitive/age difficult, 3 CGI/animation,
	// 4 exemplar/comparison; Category null or absent is uncategorized.
	VocabVICSUS = "vics-us"
	// VocabVICSUK is the VICS 2.0 UK model, which carries CAID categories:
	// 1, 2, 3 are Category A, B, C, 4 is non-indecent; Clees4All writes no
	// Category for 0, i.e. 0 means "not assessed". Letter codes "A", "B",
	// "C", written by some exporters, are read as 1, 2, 3.
	VocabVICSUK = "vics-uk"
	// VocabVICSCustom is the CUSTOM model (and any model name not listed):
	// it defines its codes in a metadata document Scrim does not receive,
	// so no code has a known meaning.
	VocabVICSCustom = "vics-custom"
	// VocabICSE is Interpol ICSE: the one code is CodeBaseline.
	VocabICSE = "icse"
	// VocabNSRL is NSRL RDS known software: the one code is CodeKnownGood.
	VocabNSRL = "nsrl"
)

// Codes of the closed vocabularies.
const (
	CodeBaseline  = "baseline"   // ICSE Baseline=true
	CodeKnownGood = "known-good" // NSRL entry without a --category
)

// vicsModel is the category numbering of one VICS data model.
type vicsModel struct {
	Vocab   string
	Aliases map[string]string // other spellings of a code
}

// vicsModels is keyed by the upper-case model name of the @odata.context
// URL ("1.X" for 1.x files, which have no model).
var vicsModels = map[string]vicsModel{
	"1.X":     {Vocab: VocabVICSUS},
	"DEFAULT": {Vocab: VocabVICSUS},
	"US":      {Vocab: VocabVICSUS},
	"UK":      {Vocab: VocabVICSUK, Aliases: map[string]string{"A": "1", "B": "2", "C": "3"}},
	"CUSTOM":  {Vocab: VocabVICSCustom},
}

// lookupModel returns the numbering of a model name; unknown names have
// codes of unknown meaning, like CUSTOM.
func lookupModel(name string) vicsModel {
	if m, ok := vicsModels[strings.ToUpper(name)]; ok {
		return m
	}
	return vicsModels["CUSTOM"]
}

// code normalizes a source category: "1.0", "01" → "1", letters upper-case,
// aliases resolved. src "" (null or absent) stays "".
func (m vicsModel) code(src string) string {
	s := NormalizeCode(src)
	if a, ok := m.Aliases[s]; ok {
		return a
	}
	return s
}

// NormalizeCode spells a VICS category code the one way Scrim keeps it:
// trimmed, upper-case, integers without a fraction or leading zeros. The
// examiner's --map codes go through it too.
func NormalizeCode(src string) string {
	s := strings.ToUpper(strings.TrimSpace(src))
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		s = strconv.FormatInt(int64(f), 10)
	}
	return s
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
