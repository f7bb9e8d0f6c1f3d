package categorize

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"scrim/categorize/neardup"
	"scrim/hashlib"
	"scrim/store"
)

// Engine applies known material and examiner decisions to a case: it records
// every assignment and keeps each media's effective category up to date.
//
// Precedence: an examiner's latest decision; else hash sets (when they
// disagree the stricter category shows and the conflict is listed); else the
// nearest suggestion from a categorized near-duplicate.
type Engine struct {
	st        *store.Store
	scheme    Scheme
	rule      neardup.Rule
	now       func() time.Time
	recompute sync.Mutex
	// lastDecision is the stamp decisionTime gave last (guarded by recompute).
	lastDecision time.Time
	// tables kept by SuggestFrom between calls.
	tablesMu sync.Mutex
	tables   *tables
	// library is the workstation hash library every match also reads
	// ("": none); see SetLibrary.
	library string
}

// NewEngine works on st with the case's scheme.
func NewEngine(st *store.Store, scheme Scheme) *Engine {
	return &Engine{st: st, scheme: scheme, rule: neardup.DefaultRule(), now: time.Now, library: hashlib.DefaultDir()}
}

// CaseScheme returns the scheme a case records, choosing Project VIC US for
// a case that has none yet.
func CaseScheme(st *store.Store) (Scheme, error) {
	id, err := st.Meta("scheme")
	if err != nil {
		return Scheme{}, err
	}
	switch id {
	case "":
		return SetCaseScheme(st, "vic-us")
	case "custom":
		raw, err := st.Meta("scheme_json")
		if err != nil {
			return Scheme{}, err
		}
		return LoadScheme(strings.NewReader(raw))
	}
	s, ok := SchemeByID(id)
	if !ok {
		return Scheme{}, fmt.Errorf("case uses category scheme %q, which this scrim does not know", id)
	}
	return s, nil
}

// SetCaseScheme gives a case its scheme: a built-in ID or the path of a
// custom scheme JSON file. A case keeps the scheme it started with: codes
// already assigned would change meaning otherwise.
func SetCaseScheme(st *store.Store, choice string) (Scheme, error) {
	var s Scheme
	var raw []byte
	if b, ok := SchemeByID(choice); ok {
		s = b
	} else {
		var err error
		if raw, err = os.ReadFile(choice); err != nil {
			return Scheme{}, fmt.Errorf("category scheme %q is neither built in (vic-us, caid-uk, oliver) nor a readable file: %w", choice, err)
		}
		if s, err = LoadScheme(bytes.NewReader(raw)); err != nil {
			return Scheme{}, err
		}
	}
	cur, err := st.Meta("scheme")
	if err != nil {
		return Scheme{}, err
	}
	if cur != "" {
		have, err := CaseScheme(st)
		if err != nil {
			return Scheme{}, err
		}
		if have.ID != s.ID {
			return Scheme{}, fmt.Errorf("case already uses category scheme %s; it cannot change to %s", have.ID, s.ID)
		}
		return have, nil
	}
	if raw != nil {
		if err := st.SetMeta("scheme_json", string(raw)); err != nil {
			return Scheme{}, err
		}
		return s, st.SetMeta("scheme", "custom")
	}
	return s, st.SetMeta("scheme", s.ID)
}

// Recompute derives and stores the effective category of one media.
// Recomputes are serialized: the workstation decides on the UI goroutine
// while suggestions and hash-set matches run on others, and a recompute
// that read the history before a decision must not write after one that
// read it with the decision.
func (e *Engine) Recompute(sha string) (store.Category, error) {
	e.recompute.Lock()
	defer e.recompute.Unlock()
	var c store.Category
	err := e.st.Update(func(tx *store.Tx) error {
		var err error
		c, err = e.recomputeIn(tx, sha)
		return err
	})
	return c, err
}

// recomputeIn is Recompute inside tx, for a caller holding e.recompute.
func (e *Engine) recomputeIn(tx *store.Tx, sha string) (store.Category, error) {
	as, err := tx.Assignments(sha)
	if err != nil {
		return store.Category{}, err
	}
	c, ok := e.effective(as)
	if !ok {
		return c, tx.DeleteCategory(sha)
	}
	return c, tx.PutCategory(sha, c)
}

// decisionTime stamps an examiner's decision or undo, for a caller holding
// e.recompute. Stamps strictly increase: a decision's history record is
// keyed by its time and an undo names the decision by it, so two decisions
// in the same nanosecond (or after the clock was set back) must not share one.
func (e *Engine) decisionTime() time.Time {
	at := e.now().UTC()
	if !at.After(e.lastDecision) {
		at = e.lastDecision.Add(time.Nanosecond)
	}
	e.lastDecision = at
	return at
}

func (e *Engine) effective(as []store.Assignment) (store.Category, bool) {
	var examiner, suggestion *store.Assignment
	var sets []store.Assignment
	// Decisions taken back with Undo do not count; which they are is only
	// known after reading every assignment.
	withdrawn := map[int64]bool{}
	var decisions []*store.Assignment
	for i := range as {
		a := &as[i]
		switch a.Kind {
		case "examiner":
			decisions = append(decisions, a)
		case "undo":
			withdrawn[a.Withdraws.UnixNano()] = true
		case "hashset", store.AssignLab:
			sets = append(sets, *a)
		case "suggested", store.AssignLabNear:
			if suggestion == nil || a.Distance < suggestion.Distance ||
				(a.Distance == suggestion.Distance && e.severity(a.Category) > e.severity(suggestion.Category)) {
				suggestion = a
			}
		}
	}
	for _, a := range decisions {
		if !withdrawn[a.At.UnixNano()] && (examiner == nil || a.At.After(examiner.At)) {
			examiner = a
		}
	}
	switch {
	case examiner != nil:
		return store.Category{Category: examiner.Category, Source: store.Examiner(examiner.Source).String(), At: examiner.At}, true
	case len(sets) > 0:
		sort.Slice(sets, func(i, j int) bool {
			if si, sj := e.severity(sets[i].Category), e.severity(sets[j].Category); si != sj {
				return si > sj
			}
			return sets[i].Source < sets[j].Source
		})
		c := store.Category{Category: sets[0].Category, Source: knownSource(sets[0]).String(), At: sets[0].At}
		for _, s := range sets[1:] {
			if s.Category != c.Category {
				for _, x := range sets {
					by := x.Source
					if x.Kind == store.AssignLab {
						by = knownSource(x).String()
					}
					c.Conflict = append(c.Conflict, x.Category+" by "+by)
				}
				break
			}
		}
		return c, true
	case suggestion != nil:
		src := store.Suggestion(suggestion.Source, suggestion.Distance)
		if suggestion.Kind == store.AssignLabNear {
			src = store.LabSuggestion(suggestion.Source, suggestion.Distance)
		}
		return store.Category{Category: suggestion.Category, Source: src.String(), At: suggestion.At}, true
	}
	return store.Category{}, false
}

func (e *Engine) severity(code string) int {
	if c, ok := e.scheme.ByCode(code); ok {
		return c.Severity
	}
	return -1
}

// Decide records an examiner's decision for media given by SHA-256; every
// occurrence in every evidence item shares it, and near-duplicates get it as
// a suggestion.
func (e *Engine) Decide(ctx context.Context, examiner, category string, shas []string) error {
	if err := e.Record(ctx, examiner, category, shas); err != nil {
		return err
	}
	return e.Suggest(ctx)
}

// Record is Decide without the near-duplicate pass, for the review screen:
// it must answer within a key press and runs Suggest in the background.
func (e *Engine) Record(ctx context.Context, examiner, category string, shas []string) error {
	if examiner == "" {
		return fmt.Errorf("a decision needs the examiner's name")
	}
	if _, ok := e.scheme.ByCode(category); !ok {
		return fmt.Errorf("category %q is not in scheme %s (%s)", category, e.scheme.ID, e.codes())
	}
	for _, sha := range shas {
		if err := e.decide(examiner, category, strings.ToLower(strings.TrimSpace(sha))); err != nil {
			return err
		}
	}
	return nil
}

// decide records one decision: its assignment, the media's new category and
// its audit entry commit in one transaction, so none is ever kept without
// the others. Holding e.recompute keeps a suggestion's recompute from
// writing a category it read before the decision.
func (e *Engine) decide(examiner, category, sha string) error {
	e.recompute.Lock()
	defer e.recompute.Unlock()
	return e.st.UpdateAudited(func(tx *store.Tx) error {
		if _, ok, err := tx.Media(sha); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("no media %s in this case", sha)
			}
			return err
		}
		before, _, err := tx.Category(sha)
		if err != nil {
			return err
		}
		a := store.Assignment{Category: category, Kind: "examiner", Source: examiner, At: e.decisionTime()}
		if err := tx.AddAssignment(sha, a); err != nil {
			return err
		}
		if err := e.queueDecision(tx, sha, a); err != nil {
			return err
		}
		if _, err := e.recomputeIn(tx, sha); err != nil {
			return err
		}
		_, err = tx.Audit(examiner, "categorize", map[string]string{"sha256": sha,
			"old": before.Category, "old_source": before.Source, "new": category}, a.At)
		return err
	})
}

func (e *Engine) codes() string {
	var c []string
	for _, x := range e.scheme.Categories {
		c = append(c, x.Code+" "+x.Label)
	}
	return strings.Join(c, ", ")
}

// pictureTable holds every fingerprinted picture for near-duplicate work.
type pictureTable struct {
	sha   []string
	phash []uint64
	dhash []uint64
	index *neardup.Index
}

func (e *Engine) pictures() (*pictureTable, error) {
	t := &pictureTable{index: neardup.New()}
	err := e.st.EachMedia(func(m store.Media) error {
		if m.PHash == "" || m.DHash == "" {
			return nil
		}
		p, err1 := strconv.ParseUint(m.PHash, 16, 64)
		d, err2 := strconv.ParseUint(m.DHash, 16, 64)
		if err1 != nil || err2 != nil {
			return nil
		}
		t.index.Add(uint32(len(t.sha)), p)
		t.sha = append(t.sha, m.SHA256)
		t.phash = append(t.phash, p)
		t.dhash = append(t.dhash, d)
		return nil
	})
	return t, err
}

// near lists the pictures similar to picture i under rule, also as a mirror
// image: pHash cannot see a mirrored copy (half its bits flip), so the
// mirror's hashes are predicted and queried too.
func (t *pictureTable) near(i int, rule neardup.Rule) []neardupMatch {
	best := map[int]int{}
	mp, md := neardup.MirrorVariant(t.phash[i], t.dhash[i])
	for _, q := range [][2]uint64{{t.phash[i], t.dhash[i]}, {mp, md}} {
		for _, m := range t.index.Query(q[0], rule.PHashRadius) {
			j := int(m.ID)
			if j == i {
				continue
			}
			if ok, d := rule.Similar(q[0], q[1], t.phash[j], t.dhash[j]); ok {
				if old, seen := best[j]; !seen || d < old {
					best[j] = d
				}
			}
		}
	}
	out := make([]neardupMatch, 0, len(best))
	for j, d := range best {
		out = append(out, neardupMatch{j, d})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Distance != out[b].Distance {
			return out[a].Distance < out[b].Distance
		}
		return out[a].ID < out[b].ID
	})
	return out
}

type neardupMatch struct {
	ID       int
	Distance int
}

// Suggest gives every near-duplicate of a picture or video categorized by a
// hash set or an examiner a suggestion of that category, with the distance
// (videos: see nearTargets).
func (e *Engine) Suggest(ctx context.Context) error {
	tb, err := e.buildTables()
	if err != nil {
		return err
	}
	return e.EachDecisive(func(sha string, c store.Category) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return e.suggestFrom(tb, sha, c)
	})
}

// EachDecisive calls fn for every media whose category comes from an
// examiner or a hash set: the sources of suggestions.
func (e *Engine) EachDecisive(fn func(sha string, c store.Category) error) error {
	var sources []decided
	err := e.st.EachCategory(func(sha string, c store.Category) error {
		if decisive(c) {
			sources = append(sources, decided{sha, c})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range sources {
		if err := fn(s.sha, s.cat); err != nil {
			return err
		}
	}
	return nil
}

type decided struct {
	sha string
	cat store.Category
}

func decisive(c store.Category) bool {
	return c.Provenance().Decided()
}

// suggestFrom writes src's category as a suggestion on each of its near
// targets.
func (e *Engine) suggestFrom(tb *tables, src string, c store.Category) error {
	for _, tg := range tb.nearTargets(src, e.rule) {
		a := store.Assignment{Category: c.Category, Kind: "suggested", Source: src, At: e.now().UTC(), Distance: tg.dist}
		if err := e.st.AddAssignment(tg.sha, a); err != nil {
			return err
		}
		if _, err := e.Recompute(tg.sha); err != nil {
			return err
		}
	}
	return nil
}

// Neighbour is one near-duplicate of a picture.
type Neighbour struct {
	SHA256   string         `json:"sha256"`
	Distance int            `json:"distance"`
	Category store.Category `json:"category"`
}

// Similar lists the near-duplicates of one picture, nearest first.
func (e *Engine) Similar(sha string, radius int) ([]Neighbour, error) {
	t, err := e.pictures()
	if err != nil {
		return nil, err
	}
	i := -1
	for k, s := range t.sha {
		if s == sha {
			i = k
			break
		}
	}
	if i < 0 {
		return nil, fmt.Errorf("%s is not a fingerprinted picture of this case", sha)
	}
	var out []Neighbour
	for _, m := range t.index.Query(t.phash[i], radius) {
		if int(m.ID) == i {
			continue
		}
		c, _, err := e.st.Category(t.sha[m.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, Neighbour{SHA256: t.sha[m.ID], Distance: m.Distance, Category: c})
	}
	return out, nil
}

// Clusters groups pictures into near-duplicate clusters (single link at the
// rule's radius); clusters of one are left out.
func (e *Engine) Clusters() ([][]string, error) {
	t, err := e.pictures()
	if err != nil {
		return nil, err
	}
	// The same links as near() from every picture, walked once
	// (neardup.Components; TestComponentsEqualPairwise).
	comp := neardup.Components(t.phash, t.dhash, e.rule)
	groups := map[int][]string{}
	for i, s := range t.sha {
		groups[comp[i]] = append(groups[comp[i]], s)
	}
	var out [][]string
	for _, g := range groups {
		if len(g) > 1 {
			sort.Strings(g)
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i][0] < out[j][0]
	})
	return out, nil
}
