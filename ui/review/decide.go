package review

import (
	"context"
	"fmt"

	"scrim/categorize"
	"scrim/store"
)

// Desk is one examiner at work on one case: decisions go through the same
// engine the CLI uses, attributed to that examiner, and can be undone in
// reverse order.
type Desk struct {
	Model    *Model
	Store    *store.Store
	Engine   *categorize.Engine
	Examiner string
	undo     [][]string
}

// CategoryForKey maps a typed key to the scheme's category.
func (d *Desk) CategoryForKey(key string) (categorize.Category, bool) {
	for _, c := range d.Model.Scheme.Categories {
		if c.Key == key {
			return c, true
		}
	}
	return categorize.Category{}, false
}

// Categorize gives the media at the shown positions one category. The
// near-duplicate pass is left to the caller (Suggest), off the key press.
func (d *Desk) Categorize(ctx context.Context, code string, positions []int) error {
	if len(positions) == 0 {
		return fmt.Errorf("nothing selected")
	}
	shas := make([]string, 0, len(positions))
	for _, p := range positions {
		if p < 0 || p >= d.Model.Len() {
			return fmt.Errorf("position %d is outside the grid", p)
		}
		shas = append(shas, d.Model.At(p).Hex())
	}
	if err := d.Engine.Record(ctx, d.Examiner, code, shas); err != nil {
		return fmt.Errorf("categorize %d media as %s: %w", len(shas), code, err)
	}
	d.undo = append(d.undo, shas)
	return d.Model.Refresh(d.Store, shas...)
}

// CanUndo says whether this session has decisions left to take back.
func (d *Desk) CanUndo() bool { return len(d.undo) > 0 }

// Undo takes back this session's latest decision (all media it covered) and
// returns them.
func (d *Desk) Undo(ctx context.Context) ([]string, error) {
	if len(d.undo) == 0 {
		return nil, fmt.Errorf("nothing to undo in this session")
	}
	shas := d.undo[len(d.undo)-1]
	for _, sha := range shas {
		if _, err := d.Engine.Undo(ctx, d.Examiner, sha); err != nil {
			return nil, err
		}
	}
	d.undo = d.undo[:len(d.undo)-1]
	return shas, d.Model.Refresh(d.Store, shas...)
}

// Details is everything the details view shows about one media.
type Details struct {
	Media       store.Media
	Category    store.Category
	Occurrences []store.Occurrence
	History     []store.Assignment
	HashSets    []string
	// Signals are the models' findings, nil when none were recorded.
	Signals *store.Signals
	Lab     []string // lab library sources that match it: CASE/EXAMINER
}

// LoadDetails reads one media's full record.
func LoadDetails(st *store.Store, sha string) (Details, error) {
	var d Details
	m, ok, err := st.Media(sha)
	if err != nil {
		return d, err
	}
	if !ok {
		return d, fmt.Errorf("no media %s in this case", sha)
	}
	d.Media = m
	if d.Category, _, err = st.Category(sha); err != nil {
		return d, err
	}
	if d.Occurrences, err = st.OccurrencesOf(sha); err != nil {
		return d, err
	}
	if d.History, err = st.Assignments(sha); err != nil {
		return d, err
	}
	if g, ok, err := st.SignalsOf(sha); err != nil {
		return d, err
	} else if ok {
		d.Signals = &g
	}
	seen := map[string]bool{}
	for _, a := range d.History {
		if a.Kind == "hashset" && !seen[a.Source] {
			seen[a.Source] = true
			d.HashSets = append(d.HashSets, a.Source)
		}
		if (a.Kind == store.AssignLab || a.Kind == store.AssignLabNear) && !seen["lab:"+a.Source] {
			seen["lab:"+a.Source] = true
			d.Lab = append(d.Lab, store.LabSource(a.Source).String())
		}
	}
	return d, nil
}
