package report

import (
	"cmp"
	"fmt"
	"slices"

	"scrim/store"
)

// SignalsSummary is what the report says about the on-device models: which
// ran (the method section cites them) and on how many media. Signals help
// choose what to look at; they never set a category and are never counted
// in one.
type SignalsSummary struct {
	Models    []store.SignalModel
	Media     int64 // media with signals
	WithFaces int64
	Errors    int64 // media the models could not run on
}

// signals reads the case's signals records once.
func (r *Report) signals(st *store.Store) error {
	seen := map[string]bool{}
	err := st.EachSignals(func(g store.Signals) error {
		if g.Error != "" {
			r.Signals.Errors++
			return nil
		}
		r.Signals.Media++
		if len(g.Faces) > 0 {
			r.Signals.WithFaces++
		}
		for _, m := range g.Models {
			if k := m.Name + "\x00" + m.Package + "\x00" + m.SHA256; !seen[k] {
				seen[k] = true
				r.Signals.Models = append(r.Signals.Models, m)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read signals: %w", err)
	}
	slices.SortFunc(r.Signals.Models, func(a, b store.SignalModel) int {
		if a.Name != b.Name {
			return cmp.Compare(a.Name, b.Name)
		}
		return cmp.Compare(a.Package+a.SHA256, b.Package+b.SHA256)
	})
	return nil
}

// signalsBlocks is the method section's part on signals.
func (r *Report) signalsBlocks(add func(Block)) {
	add(Block{Kind: "h3", Text: "Signals (face, age and nudity models)"})
	s := r.Signals
	if len(s.Models) == 0 {
		add(Block{Kind: "p", Text: "No face, age or nudity model was run on this case."})
		return
	}
	add(Block{Kind: "p", Text: "Examiners were offered signals from general-purpose image models run on the workstation: faces found " +
		"with an estimated age, and nudity class scores. These models were not trained on child sexual abuse material, and their " +
		"age estimates were not trained or validated for children's ages specifically: a signal orders what is looked at first " +
		"and is never evidence of a category. Signals never set a category and are not counted in any category of this report; " +
		"every category in it was set by a hash set or decided by an examiner."})
	g := &Grid{Head: []string{"Model", "Package", "SHA-256 of model.json"}, Width: []float64{1, 1.6, 3.4}}
	for _, m := range s.Models {
		g.Rows = append(g.Rows, []string{m.Name, m.Package, m.SHA256})
	}
	add(Block{Kind: "table", Table: g})
	add(Block{Kind: "kv", KV: []KV{
		{"Media with signals", num(s.Media)},
		{"Media with at least one face found", num(s.WithFaces)},
		{"Media the models could not analyse", num(s.Errors)},
	}})
}
