package review

import "slices"

// Place is where an examiner was in one view of the queue: the current
// media and how far the grid was scrolled, so that coming back to the view
// (after details, a reveal, a break, a panic, another filter) shows the same.
type Place struct {
	SHA    [32]byte
	Offset float32
}

// PlaceAt is the place with the media at position p current (the zero
// Place when p is not shown).
func (m *Model) PlaceAt(p int, offset float32) Place {
	if p < 0 || p >= len(m.view) {
		return Place{}
	}
	return Place{SHA: m.items[m.view[p]].SHA, Offset: offset}
}

// Find is the position of the place's media in this view, -1 when it is not
// shown.
func (m *Model) Find(pl Place) int {
	i, ok := m.pos.find(m.items, pl.SHA)
	if !ok {
		return -1
	}
	return slices.Index(m.view, i)
}
