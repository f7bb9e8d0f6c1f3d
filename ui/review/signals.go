package review

import (
	"cmp"
	"slices"
	"strconv"

	"scrim/store"
)

// Signals in the review queue: filters and sort orders that show the likely
// relevant first and gather the obviously benign for one bulk decision.
// Signals only choose what is shown; every category is still a person's
// decision (or a hash set's).

// Filters on signals (Filter.Kind), after the others.
const (
	// FacesUnder18 keeps media with a face whose estimated age is under 18.
	FacesUnder18 FilterKind = iota + 100
	// ExplicitAtLeast keeps media whose explicit score (the higher of the
	// porn and hentai classes) is at least Arg ("0.8" when empty).
	ExplicitAtLeast
	// NoFacesNeutral keeps media with signals, no face, and a neutral (or
	// drawing) class scoring highest: the candidates for a bulk decision.
	NoFacesNeutral
)

// DefaultExplicit is ExplicitAtLeast's threshold when Arg is empty.
const DefaultExplicit = 0.8

// Order is how the grid is sorted.
type Order int

// Sort orders.
const (
	OrderDefault     Order = iota // near-duplicates together (SortByCluster), else store order
	OrderYoungest                 // youngest estimated face first, media without faces last
	OrderExplicit                 // highest explicit score first
	OrderMostFaces                // most faces first
	orderUnsortedEnd              // keep last
)

// ItemSignals is one item's signals, compact: four numbers.
type ItemSignals struct {
	Has      bool
	Faces    int16
	MinAge   float32 // youngest face, when Faces > 0
	Explicit float32 // max(porn, hentai)
	Benign   bool    // neutral or drawing is the highest class
}

// LoadSignals reads the case's signals into the queue (one scan of the
// signals records). A case without any costs one empty scan.
func (m *Model) LoadSignals(st *store.Store) error {
	if err := m.loadSignals(st); err != nil {
		return err
	}
	m.apply()
	return nil
}

func (m *Model) loadSignals(st *store.Store) error {
	var sigs []ItemSignals
	err := st.EachSignals(func(g store.Signals) error {
		i, ok := m.lookup(g.SHA256)
		if !ok || g.Error != "" {
			return nil
		}
		if sigs == nil {
			sigs = make([]ItemSignals, len(m.items))
		}
		sigs[i] = itemSignals(g)
		return nil
	})
	if err != nil {
		return err
	}
	m.sigs = sigs
	return nil
}

func itemSignals(g store.Signals) ItemSignals {
	s := ItemSignals{Has: true, Faces: int16(min(len(g.Faces), 32767))}
	if a, ok := g.MinFaceAge(); ok {
		s.MinAge = float32(a)
	}
	if n := g.Nudity; n != nil {
		s.Explicit = float32(max(n.Porn, n.Hentai))
		s.Benign = max(n.Neutral, n.Drawing) >= max(n.Porn, n.Hentai, n.Sexy)
	}
	return s
}

// SignalsAt is the signals of the item shown at position i.
func (m *Model) SignalsAt(i int) ItemSignals {
	if m.sigs == nil {
		return ItemSignals{}
	}
	return m.sigs[m.view[i]]
}

// HasSignals says whether any media of the queue has signals.
func (m *Model) HasSignals() bool { return m.sigs != nil }

// SetOrder sorts the grid by a signal (OrderDefault goes back).
func (m *Model) SetOrder(o Order) {
	if o < OrderDefault || o >= orderUnsortedEnd {
		o = OrderDefault
	}
	m.order = o
	m.apply()
}

// CurrentOrder is the grid's sort order.
func (m *Model) CurrentOrder() Order { return m.order }

// keepSignals answers the signal filters.
func (m *Model) keepSignals(k int32) bool {
	if m.sigs == nil {
		return false
	}
	s := m.sigs[k]
	switch m.filter.Kind {
	case FacesUnder18:
		return s.Faces > 0 && s.MinAge < 18
	case ExplicitAtLeast:
		t := DefaultExplicit
		if v, err := strconv.ParseFloat(m.filter.Arg, 64); err == nil {
			t = v
		}
		return s.Has && float64(s.Explicit) >= t
	case NoFacesNeutral:
		return s.Has && s.Faces == 0 && s.Benign
	}
	return false
}

// sortBySignals orders the view by the chosen signal, stably (items
// without signals last, in store order).
func (m *Model) sortBySignals() {
	if m.order == OrderDefault || m.sigs == nil {
		return
	}
	key := func(k int32) (bool, float64) {
		s := m.sigs[k]
		switch m.order {
		case OrderYoungest:
			return s.Faces > 0, float64(s.MinAge)
		case OrderExplicit:
			return s.Has, -float64(s.Explicit)
		case OrderMostFaces:
			return s.Faces > 0, -float64(s.Faces)
		}
		return false, 0
	}
	slices.SortStableFunc(m.view, func(a, b int32) int {
		ha, ka := key(a)
		hb, kb := key(b)
		if ha != hb {
			if ha {
				return -1
			}
			return 1
		}
		if !ha {
			return 0
		}
		return cmp.Compare(ka, kb)
	})
}

// BulkSet is every position the current filter shows, for one decision
// over all of them (Desk.Categorize records and audits it like any other).
func (m *Model) BulkSet() []int {
	out := make([]int, len(m.view))
	for i := range out {
		out[i] = i
	}
	return out
}
