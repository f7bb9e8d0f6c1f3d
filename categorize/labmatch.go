package categorize

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"scrim/categorize/neardup"
	"scrim/store"
)

// LabHit is one match of a case's media against the lab's library.
type LabHit struct {
	Media    string `json:"media"`  // the case's SHA-256
	Record   string `json:"record"` // library record ID
	Source   string `json:"source"` // CASE/EXAMINER
	Category string `json:"category"`
	Scheme   string `json:"scheme"`
	Distance int    `json:"distance"` // -1: the same SHA-256
	// MD5 and SHA1 are the record's, for the cross-check.
	MD5  string `json:"md5,omitempty"`
	SHA1 string `json:"sha1,omitempty"`
	// Mismatch, on an exact hit, names the MD5 or SHA-1 that differ
	// between the case and the record: a conflict, never applied.
	Mismatch string `json:"mismatch,omitempty"`
}

// LabApplied is what ApplyLab did; the report's method section cites it.
type LabApplied struct {
	Lab       string    `json:"lab"`
	At        time.Time `json:"at"`
	Exact     int       `json:"exact"`   // media given a lab category
	Near      int       `json:"near"`    // media given a lab suggestion
	Removed   int       `json:"removed"` // lab assignments gone (withdrawn or changed)
	Records   int       `json:"records"` // library records used
	Cases     []string  `json:"cases"`
	Examiners []string  `json:"examiners"`
	Conflicts []string  `json:"conflicts,omitempty"` // digest mismatches
	Refused   []string  `json:"refused,omitempty"`   // records of another scheme that do not map
}

// MetaLabMatch is the case fact holding the last LabApplied (JSON).
const MetaLabMatch = "lab_match"

// LabNear finds the case's pictures near a library record's hashes under
// the case's near-duplicate rule (also as a mirror image, like Suggest).
type LabNear struct {
	t    *pictureTable
	rule neardup.Rule

	sideOnce sync.Once
	side     *neardup.JoinSide // the case's pictures bucketed for MatchBatch
}

// NearLab indexes the case's fingerprinted pictures for library matching.
func (e *Engine) NearLab() (*LabNear, error) {
	t, err := e.pictures()
	if err != nil {
		return nil, err
	}
	return &LabNear{t: t, rule: e.rule}, nil
}

// Len is the number of pictures indexed.
func (n *LabNear) Len() int { return len(n.t.sha) }

// Match lists the case's pictures near (p, d) with their distances; skip
// is a SHA-256 not to list (the record's own media: an exact hit).
func (n *LabNear) Match(p, d uint64, skip string, fn func(sha string, distance int)) {
	if len(n.t.sha) == 0 {
		return
	}
	mp, md := neardup.MirrorVariant(p, d)
	best := map[uint32]int{}
	for _, q := range [][2]uint64{{p, d}, {mp, md}} {
		for _, m := range n.t.index.Query(q[0], n.rule.PHashRadius) {
			if ok, dist := n.rule.Similar(q[0], q[1], n.t.phash[m.ID], n.t.dhash[m.ID]); ok {
				if old, seen := best[m.ID]; !seen || dist < old {
					best[m.ID] = dist
				}
			}
		}
	}
	for id, dist := range best {
		if n.t.sha[id] != skip {
			fn(n.t.sha[id], dist)
		}
	}
}

// MatchBatch matches many library records at once, with the same results
// as Match for each: record i has hashes (p[i], d[i]) and its own media
// skip[i]; fn gets the record's index, ordered by record. The records and
// their mirror variants are bucketed and joined with the case's pictures
// block by block (neardup.Join), which walks memory in order where a query
// per record reads it at random: batches of a few hundred thousand records
// keep the join's sequential sweeps few.
func (n *LabNear) MatchBatch(p, d []uint64, skip []string, fn func(i int, sha string, distance int)) {
	if len(n.t.sha) == 0 || len(p) == 0 {
		return
	}
	n.sideOnce.Do(func() { n.side = neardup.NewJoinSide(n.t.phash, n.t.dhash) })
	// Entry 2i is record i, 2i+1 its mirror variant.
	vp, vd := make([]uint64, 2*len(p)), make([]uint64, 2*len(p))
	for i := range p {
		vp[2*i], vd[2*i] = p[i], d[i]
		vp[2*i+1], vd[2*i+1] = neardup.MirrorVariant(p[i], d[i])
	}
	pairs := neardup.Join(neardup.NewJoinSide(vp, vd), n.side, n.rule)
	best := map[uint32]int{}
	var order []uint32
	for k := 0; k < len(pairs); {
		rec := pairs[k].A / 2
		clear(best)
		order = order[:0]
		for ; k < len(pairs) && pairs[k].A/2 == rec; k++ {
			pr := pairs[k]
			if old, seen := best[pr.B]; !seen || pr.Distance < old {
				if !seen {
					order = append(order, pr.B)
				}
				best[pr.B] = pr.Distance
			}
		}
		for _, b := range order {
			if n.t.sha[b] != skip[rec] {
				fn(int(rec), n.t.sha[b], best[b])
			}
		}
	}
}

type labKey struct{ kind, source string }

// ApplyLab makes the case's lab assignments those of hits: new hits are
// added, hits already held are left, and lab assignments no longer in hits
// (their record withdrawn) are removed. Exact hits count like hash-set
// matches (conflicts between examiners listed the same way); near hits are
// suggestions. A record of another scheme is mapped (MapSchemeCode) or
// refused with the reason. An examiner's own decision in this case still
// wins: it comes first in effective.
func (e *Engine) ApplyLab(ctx context.Context, labName string, hits []LabHit) (LabApplied, error) {
	res := LabApplied{Lab: labName, At: e.now().UTC()}
	want := map[string]map[labKey]store.Assignment{}
	cases, examiners, records, refused := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, h := range hits {
		if h.Mismatch != "" {
			res.Conflicts = append(res.Conflicts, fmt.Sprintf("%s: library record %s (%s) has the same SHA-256 but a different %s", h.Media, h.Record, h.Source, h.Mismatch))
			continue
		}
		cat, err := MapSchemeCode(h.Scheme, h.Category, e.scheme)
		if err != nil {
			refused[fmt.Sprintf("%s: %v", h.Source, err)] = true
			continue
		}
		kind := store.AssignLab
		if h.Distance >= 0 {
			kind = store.AssignLabNear
		}
		a := store.Assignment{Category: cat, Kind: kind, Source: h.Source, At: res.At}
		if h.Distance >= 0 {
			a.Distance = h.Distance
		}
		m := want[h.Media]
		if m == nil {
			m = map[labKey]store.Assignment{}
			want[h.Media] = m
		}
		k := labKey{kind, h.Source}
		if old, ok := m[k]; ok && (kind == store.AssignLab || old.Distance <= a.Distance) {
			continue
		}
		m[k] = a
		records[h.Record] = true
		c, ex, _ := strings.Cut(h.Source, "/")
		cases[c], examiners[ex] = true, true
	}
	// A media with an exact hit from a source needs no suggestion from it.
	for _, m := range want {
		for k := range m {
			if k.kind == store.AssignLabNear {
				if _, ok := m[labKey{store.AssignLab, k.source}]; ok {
					delete(m, k)
				}
			}
		}
	}
	have := map[string]map[labKey]store.Assignment{}
	if err := e.labHeld(have); err != nil {
		return res, err
	}
	changed := map[string]bool{}
	var lostExact []string // media that lost an exact lab match: their own suggestions may go too
	for sha, m := range have {
		for k, a := range m {
			if _, keep := want[sha][k]; !keep {
				if err := e.st.RemoveAssignment(sha, a); err != nil {
					return res, err
				}
				res.Removed++
				changed[sha] = true
				if k.kind == store.AssignLab {
					lostExact = append(lostExact, sha)
				}
			}
		}
	}
	for sha, m := range want {
		exact, near := false, false
		for k, a := range m {
			exact = exact || k.kind == store.AssignLab
			near = near || k.kind == store.AssignLabNear
			if old, held := have[sha][k]; !held || old.Category != a.Category || old.Distance != a.Distance {
				changed[sha] = true
			}
		}
		if exact {
			res.Exact++
		} else if near {
			res.Near++
		}
	}
	if err := e.writeLab(ctx, want, have, changed); err != nil {
		return res, err
	}
	if len(lostExact) > 0 {
		// A withdrawn record takes back the suggestions its match gave the
		// media's near-duplicates in this case.
		sort.Strings(lostExact)
		if err := e.SuggestFrom(ctx, lostExact); err != nil {
			return res, err
		}
	}
	res.Records = len(records)
	res.Cases, res.Examiners = sortedSet(cases), sortedSet(examiners)
	res.Refused = sortedSet(refused)
	sort.Strings(res.Conflicts)
	raw, err := json.Marshal(res)
	if err != nil {
		return res, err
	}
	return res, e.st.SetMeta(MetaLabMatch, string(raw))
}

// labHeld fills have with the case's lab assignments now.
func (e *Engine) labHeld(have map[string]map[labKey]store.Assignment) error {
	return e.st.EachLabAssignment(func(sha string, a store.Assignment) error {
		m := have[sha]
		if m == nil {
			m = map[labKey]store.Assignment{}
			have[sha] = m
		}
		m[labKey{a.Kind, a.Source}] = a
		return nil
	})
}

// writeLab writes the wanted lab assignments of the changed media and
// their new categories, a thousand media per transaction.
func (e *Engine) writeLab(ctx context.Context, want, have map[string]map[labKey]store.Assignment, changed map[string]bool) error {
	shas := sortedSet(changed)
	for len(shas) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(shas), 1000)
		chunk := shas[:n]
		shas = shas[n:]
		e.recompute.Lock()
		err := e.st.Update(func(tx *store.Tx) error {
			for _, sha := range chunk {
				fresh := make([]store.Assignment, 0, len(want[sha]))
				for k, a := range want[sha] {
					fresh = append(fresh, a)
					if old, held := have[sha][k]; held && old.Category == a.Category && old.Distance == a.Distance {
						continue
					}
					if err := tx.AddAssignment(sha, a); err != nil {
						return err
					}
				}
				// A media with no category and no lab assignment before has
				// no assignment that counts (at most withdrawn decisions):
				// its category follows from the new ones alone, without
				// reading its history.
				_, found, err := tx.Category(sha)
				if err != nil {
					return err
				}
				if !found && len(have[sha]) == 0 {
					if c, ok := e.effective(fresh); ok {
						if err := tx.PutCategory(sha, c); err != nil {
							return err
						}
					}
					continue
				}
				if _, err := e.recomputeIn(tx, sha); err != nil {
					return err
				}
			}
			return nil
		})
		e.recompute.Unlock()
		if err != nil {
			return fmt.Errorf("apply lab matches: %w", err)
		}
	}
	return nil
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LastLabMatch reads the case's last LabApplied (ok false when the case
// never matched the lab).
func LastLabMatch(st *store.Store) (LabApplied, bool, error) {
	var a LabApplied
	raw, err := st.Meta(MetaLabMatch)
	if err != nil || raw == "" {
		return a, false, err
	}
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		return a, false, fmt.Errorf("case fact %s: %w", MetaLabMatch, err)
	}
	return a, true, nil
}
