// Package categorize holds category schemes and, later, the rules that
// assign categories from hash sets and examiner decisions. A scheme is data:
// courts in different countries use different legal categories.
package categorize

import (
	"encoding/json"
	"fmt"
	"io"
)

// Category is one legal or triage category of a scheme.
type Category struct {
	Code    string `json:"code"`  // what stores and exports carry
	Label   string `json:"label"` // what people read
	Key     string `json:"key"`   // the keyboard key that assigns it in review
	Illegal bool   `json:"illegal"`
	// Severity orders categories when sources disagree: the stricter
	// (higher) one is shown until an examiner decides.
	Severity int `json:"severity"`
}

// Scheme is a set of categories.
type Scheme struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Categories []Category `json:"categories"`
}

// Builtin returns the schemes Scrim ships; Project VIC US is the default.
func Builtin() []Scheme {
	return []Scheme{
		{ID: "vic-us", Name: "Project VIC (US)", Categories: []Category{
			{Code: "0", Label: "Uncategorized", Key: "0"},
			{Code: "1", Label: "Child abuse material", Key: "1", Illegal: true, Severity: 5},
			{Code: "2", Label: "Child exploitive / age difficult", Key: "2", Severity: 4},
			{Code: "3", Label: "CGI / animation", Key: "3", Severity: 3},
			{Code: "4", Label: "Exemplar / comparison", Key: "4", Severity: 2},
			{Code: "5", Label: "Non-pertinent", Key: "5", Severity: 1},
		}},
		{ID: "caid-uk", Name: "UK CAID", Categories: []Category{
			{Code: "A", Label: "Category A", Key: "1", Illegal: true, Severity: 4},
			{Code: "B", Label: "Category B", Key: "2", Illegal: true, Severity: 3},
			{Code: "C", Label: "Category C", Key: "3", Illegal: true, Severity: 2},
			{Code: "N", Label: "Non-indecent", Key: "4", Severity: 1},
			{Code: "U", Label: "Uncategorized", Key: "0"},
		}},
		{ID: "oliver", Name: "Oliver / SAP levels", Categories: []Category{
			{Code: "0", Label: "Uncategorized", Key: "0"},
			{Code: "1", Label: "Level 1", Key: "1", Illegal: true, Severity: 1},
			{Code: "2", Label: "Level 2", Key: "2", Illegal: true, Severity: 2},
			{Code: "3", Label: "Level 3", Key: "3", Illegal: true, Severity: 3},
			{Code: "4", Label: "Level 4", Key: "4", Illegal: true, Severity: 4},
			{Code: "5", Label: "Level 5", Key: "5", Illegal: true, Severity: 5},
		}},
	}
}

// SchemeByID finds a built-in scheme.
func SchemeByID(id string) (Scheme, bool) {
	for _, s := range Builtin() {
		if s.ID == id {
			return s, true
		}
	}
	return Scheme{}, false
}

// LoadScheme reads a custom scheme from JSON and checks it is usable: codes
// and keys unique, at least one category.
func LoadScheme(r io.Reader) (Scheme, error) {
	var s Scheme
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("read category scheme: %w", err)
	}
	return s, s.Validate()
}

// Validate reports the first problem that would make the scheme ambiguous.
func (s Scheme) Validate() error {
	if s.ID == "" || len(s.Categories) == 0 {
		return fmt.Errorf("category scheme needs an id and at least one category")
	}
	codes, keys := map[string]bool{}, map[string]bool{}
	for _, c := range s.Categories {
		if c.Code == "" || c.Label == "" {
			return fmt.Errorf("scheme %s: every category needs a code and a label", s.ID)
		}
		if codes[c.Code] {
			return fmt.Errorf("scheme %s: code %q used twice", s.ID, c.Code)
		}
		codes[c.Code] = true
		if c.Key != "" && keys[c.Key] {
			return fmt.Errorf("scheme %s: key %q assigned twice", s.ID, c.Key)
		}
		keys[c.Key] = true
	}
	return nil
}

// ByCode finds a category of the scheme.
func (s Scheme) ByCode(code string) (Category, bool) {
	for _, c := range s.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}
