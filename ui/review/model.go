// Package review is the examiner's review queue without any widget: which
// media are shown in which order, under which filter, what is selected, and
// what a key press does to the case. The desktop app draws it; tests drive
// it directly.
package review

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"scrim/categorize"
	"scrim/store"
)

// Item is one reviewable media (picture or video), kept compact: a case may
// hold millions.
type Item struct {
	SHA      [32]byte
	Category string      // effective category code, "" when none
	Source   string      // "examiner", "hashset", "lab", "suggested" (also a lab near-duplicate) or ""
	Cluster  int32       // near-duplicate cluster, -1 when alone
	Evidence EvidenceSet // the evidence items it was found in
	Flags    uint8
}

// EvidenceSet lists the evidence items a media was found in, as ascending
// positions in Model.Evidence, however many a case has. Load gives the
// items found in the same evidence items one shared set (a case of a
// million media in a few items stores a few sets): never modify one.
type EvidenceSet []int32

// Has reports whether position i of Model.Evidence is in the set.
func (s EvidenceSet) Has(i int) bool {
	_, ok := slices.BinarySearch(s, int32(i))
	return ok
}

// Item flags.
const (
	FlagVideo uint8 = 1 << iota
	FlagDeleted
	FlagCarved
	FlagConflict
	FlagNoThumb // nothing to show: undecodable picture or video without frames
)

// Hex is the item's SHA-256 as the store spells it.
func (it Item) Hex() string { return hex.EncodeToString(it.SHA[:]) }

// FilterKind names what a filter keeps.
type FilterKind int

// Filters of the review grid.
const (
	All FilterKind = iota
	Uncategorized
	InCategory
	HashSetMatched
	Suggested
	InCluster
	InEvidence
	DeletedOrCarved
	Pictures
	Videos
)

// Filter chooses the items shown; Arg is the category code, the cluster
// number or the evidence ID its kind needs.
type Filter struct {
	Kind FilterKind
	Arg  string
}

// Model is a case's review queue.
type Model struct {
	Scheme   categorize.Scheme
	Evidence []string
	items    []Item
	pos      shaIndex
	view     []int32 // indices into items, in display order
	filter   Filter
	filterEv int // position in Evidence of an InEvidence filter's item, -1 when none
	byClust  bool
	sigs     []ItemSignals // by item, nil when the case has no signals (signals.go)
	order    Order
}

// NewModel builds a model from items already known (benchmarks, tests).
func NewModel(scheme categorize.Scheme, evidence []string, items []Item) *Model {
	m := &Model{Scheme: scheme, Evidence: evidence, items: items, byClust: true}
	m.index()
	m.apply()
	return m
}

// Load reads every picture and video of the case, with the places it was
// found and its category, and groups near-duplicates with the engine when
// one is given (see SetClusters).
func Load(ctx context.Context, st *store.Store, eng *categorize.Engine, scheme categorize.Scheme) (*Model, error) {
	evs, err := st.ListEvidence()
	if err != nil {
		return nil, err
	}
	m := &Model{Scheme: scheme, byClust: true}
	if s, err := st.Stats(); err == nil { // the kept counts: a read, no scan
		m.items = make([]Item, 0, s.Pictures+s.Videos)
	}
	evPos := map[string]int32{}
	for i, e := range evs {
		m.Evidence = append(m.Evidence, e.ID)
		evPos[e.ID] = int32(i)
	}
	sets := evidenceSets{}
	var found []int32 // reused: sets.intern keeps a copy
	// The summaries come from the counts kept as the case was written: no
	// media record or place is read, two small records per media.
	err = st.EachMediaSummary(func(mp store.MediaSummary) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if mp.Kind != "picture" && mp.Kind != "video" {
			return nil
		}
		var it Item
		if _, err := hex.Decode(it.SHA[:], []byte(mp.SHA256)); err != nil {
			return fmt.Errorf("media %q: %w", mp.SHA256, err)
		}
		it.Cluster = -1
		if mp.Kind == "video" {
			it.Flags |= FlagVideo
		}
		if mp.Kind == "picture" && (mp.NoHash || mp.Error) {
			it.Flags |= FlagNoThumb
		}
		found = found[:0]
		for ev, p := range mp.ByEvidence {
			if i, ok := evPos[ev]; ok {
				found = append(found, i)
			}
			if p.Deleted > 0 {
				it.Flags |= FlagDeleted
			}
			if p.Carved > 0 {
				it.Flags |= FlagCarved
			}
		}
		it.Evidence = sets.intern(found)
		setCategory(&it, mp.Category)
		m.items = append(m.items, it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load review queue: %w", err)
	}
	m.index()
	if err := m.loadSignals(st); err != nil {
		return nil, fmt.Errorf("load review queue: %w", err)
	}
	if eng != nil {
		clusters, err := eng.Clusters()
		if err != nil {
			return nil, fmt.Errorf("near-duplicate clusters: %w", err)
		}
		m.setClusters(clusters)
	}
	m.apply()
	return m, nil
}

// SetClusters groups near-duplicates (categorize.Engine.Clusters) into a
// queue loaded without them: on a large case grouping takes far longer
// than reading the queue, so the workstation shows the queue first.
func (m *Model) SetClusters(clusters [][]string) {
	m.setClusters(clusters)
	m.apply()
}

func (m *Model) setClusters(clusters [][]string) {
	for i := range m.items {
		m.items[i].Cluster = -1
	}
	for ci, c := range clusters {
		for _, sha := range c {
			if i, ok := m.lookup(sha); ok {
				m.items[i].Cluster = int32(ci)
			}
		}
	}
}

// evidenceSets hands out one shared EvidenceSet per combination of
// evidence items.
type evidenceSets map[string]EvidenceSet

// intern sorts found and returns the shared set with the same members.
func (m evidenceSets) intern(found []int32) EvidenceSet {
	slices.Sort(found)
	var small [64]byte // most media are in a few items: no allocation per media
	key := small[:0]
	for _, i := range found {
		key = binary.LittleEndian.AppendUint32(key, uint32(i))
	}
	if s, ok := m[string(key)]; ok {
		return s
	}
	s := EvidenceSet(slices.Clone(found))
	m[string(key)] = s
	return s
}

func setCategory(it *Item, c store.Category) {
	it.Category = c.Category
	p := c.Provenance()
	it.Source = string(p.Kind)
	if p.LabNear() { // a lab near-duplicate is a suggestion like any other
		it.Source = string(store.FromSuggestion)
	}
	it.Flags &^= FlagConflict
	if len(c.Conflict) > 0 {
		it.Flags |= FlagConflict
	}
}

func (m *Model) index() { m.pos = newSHAIndex(m.items) }

func (m *Model) lookup(sha string) (int32, bool) {
	var k [32]byte
	if _, err := hex.Decode(k[:], []byte(sha)); err != nil {
		return 0, false
	}
	return m.pos.find(m.items, k)
}

// SetFilter changes what is shown; the order is kept stable.
func (m *Model) SetFilter(f Filter) { m.filter = f; m.apply() }

// Filter is the current filter.
func (m *Model) Filter() Filter { return m.filter }

// SortByCluster puts near-duplicates next to each other (the default), or
// keeps the store's SHA-256 order.
func (m *Model) SortByCluster(on bool) { m.byClust = on; m.apply() }

func (m *Model) keep(it *Item) bool {
	f := m.filter
	switch f.Kind {
	case Uncategorized:
		return m.NeedsReview(*it)
	case InCategory:
		return it.Category == f.Arg
	case HashSetMatched: // known material: a hash set or the lab's library
		return it.Source == "hashset" || it.Source == "lab"
	case Suggested:
		return it.Source == "suggested"
	case InCluster:
		return it.Cluster >= 0 && fmt.Sprint(it.Cluster) == f.Arg
	case InEvidence:
		return m.filterEv >= 0 && it.Evidence.Has(m.filterEv)
	case DeletedOrCarved:
		return it.Flags&(FlagDeleted|FlagCarved) != 0
	case Pictures:
		return it.Flags&FlagVideo == 0
	case Videos:
		return it.Flags&FlagVideo != 0
	}
	return true
}

// uncategorizedCode: schemes spell "not yet categorized" as a code of their
// own (0 in Project VIC), which still needs review.
func (m *Model) uncategorizedCode(code string) bool {
	c, ok := m.Scheme.ByCode(code)
	return ok && c.Severity == 0 && !c.Illegal && strings.EqualFold(c.Label, "uncategorized")
}

func (m *Model) apply() {
	m.filterEv = -1
	if m.filter.Kind == InEvidence {
		m.filterEv = slices.Index(m.Evidence, m.filter.Arg)
	}
	m.view = m.view[:0]
	for i := range m.items {
		if m.keep(&m.items[i]) && (m.filter.Kind < FacesUnder18 || m.keepSignals(int32(i))) {
			m.view = append(m.view, int32(i))
		}
	}
	if m.byClust {
		// Clusters first, each together, then the rest in store order.
		sort.SliceStable(m.view, func(a, b int) bool {
			ca, cb := m.items[m.view[a]].Cluster, m.items[m.view[b]].Cluster
			if ca < 0 || cb < 0 {
				return ca >= 0 && cb < 0
			}
			return ca < cb
		})
	}
	m.sortBySignals()
}

// Len is the number of items shown.
func (m *Model) Len() int { return len(m.view) }

// Total is the number of reviewable media in the case.
func (m *Model) Total() int { return len(m.items) }

// At returns the item shown at position i.
func (m *Model) At(i int) Item { return m.items[m.view[i]] }

// PositionOf finds where a media is shown, -1 when filtered out.
func (m *Model) PositionOf(sha string) int {
	k, ok := m.lookup(sha)
	if !ok {
		return -1
	}
	return slices.Index(m.view, k)
}

// NeedsReview says whether an item still waits for a person: no category,
// only a suggestion, or the scheme's own "uncategorized" code.
func (m *Model) NeedsReview(it Item) bool {
	return it.Category == "" || it.Source == "suggested" || m.uncategorizedCode(it.Category)
}

// NextNeedingReview is the first shown position after p (wrapping around)
// whose item still needs review, or -1.
func (m *Model) NextNeedingReview(p int) int {
	n := len(m.view)
	for k := 1; k <= n; k++ {
		q := (p + k) % n
		if m.NeedsReview(m.items[m.view[q]]) {
			return q
		}
	}
	return -1
}

// ClusterPositions lists the shown positions of the cluster of position i
// (just i when it has no near-duplicates).
func (m *Model) ClusterPositions(i int) []int {
	c := m.At(i).Cluster
	if c < 0 {
		return []int{i}
	}
	var out []int
	for p, k := range m.view {
		if m.items[k].Cluster == c {
			out = append(out, p)
		}
	}
	return out
}

// Counts are the review figures of the case screen.
type Counts struct {
	ByCategory  map[string]int
	NeedsReview int // no category, only a suggestion, or the scheme's uncategorized code
	HashSet     int
	Examiner    int
	Videos      int
}

// Counts tallies every reviewable media, whatever the filter.
func (m *Model) Counts() Counts {
	c := Counts{ByCategory: map[string]int{}}
	for i := range m.items {
		it := &m.items[i]
		if it.Category != "" {
			c.ByCategory[it.Category]++
		}
		switch {
		case m.NeedsReview(*it):
			c.NeedsReview++
		case it.Source == "hashset" || it.Source == "lab":
			c.HashSet++
		case it.Source == "examiner":
			c.Examiner++
		}
		if it.Flags&FlagVideo != 0 {
			c.Videos++
		}
	}
	return c
}

// Refresh re-reads the categories of the given media (or all when none is
// given), after a decision or a background suggestion pass.
func (m *Model) Refresh(st *store.Store, shas ...string) error {
	if len(shas) == 0 {
		for i := range m.items {
			setCategory(&m.items[i], store.Category{})
		}
		return st.EachCategory(func(sha string, c store.Category) error {
			if i, ok := m.lookup(sha); ok {
				setCategory(&m.items[i], c)
			}
			return nil
		})
	}
	for _, sha := range shas {
		i, ok := m.lookup(sha)
		if !ok {
			continue
		}
		c, _, err := st.Category(sha)
		if err != nil {
			return err
		}
		setCategory(&m.items[i], c)
	}
	return nil
}
