// Package report builds the case report a prosecutor reads: one Go model
// (Report) built in one streaming pass over the store, laid out once as
// Blocks, and rendered as HTML and PDF from those same blocks, so both say
// exactly the same thing. No picture content ever enters a report: only
// counts, hashes, evidence facts and the method.
package report

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"scrim/buildinfo"
	"scrim/categorize"
	"scrim/categorize/neardup"
	"scrim/store"
)

// DefaultAppendixCap bounds the hash appendix: the PDF library keeps every
// page in memory, and a 50 000-row appendix is already about 900 pages.
const DefaultAppendixCap = 50000

// Options say what the store does not know.
type Options struct {
	// CaseNumber and Title override the case facts meta/case_number and
	// meta/case_title; with neither, the case directory name is the number.
	CaseNumber string
	Title      string
	// Tool is the generator, e.g. "scrim v1.4.0 (commit …)"; "" names this
	// build (buildinfo).
	Tool string
	// Now is the report time, the one line that differs between two reports
	// of the same case.
	Now time.Time
	// AppendixCap limits the rows of the hash appendix; 0 means DefaultAppendixCap.
	AppendixCap int
}

// Report is everything the report says.
type Report struct {
	CaseNumber string
	// CaseNumberDerived says the number is the case directory's name: no
	// number was given or recorded, and the report says so.
	CaseNumberDerived bool
	Title             string
	GeneratedAt       time.Time
	Tool              string

	Examiners   []Examiner
	FirstIngest time.Time
	LastIngest  time.Time
	Evidence    []store.Evidence

	StoreFormat  string
	HashPipeline string
	NearDup      neardup.Rule
	HashSets     []store.HashSet
	Scheme       categorize.Scheme
	// Lab is the case's last match against the lab's library (nil: never
	// matched); its exact matches are counted with the hash sets'.
	Lab *categorize.LabApplied

	Case       Table           // per category, whole case
	PerExhibit []ExhibitTable  // per category, per evidence item
	Stats      store.Stats     // the `scrim stats` counts the tables add up to
	Review     [5]ReviewCounts // hash set, lab library, examiner, suggestion only, none
	Conflicts  int64           // media whose hash sets disagree
	Undecoded  int64           // unique media that could not be decoded
	Unreadable int64           // occurrences whose content could not be read

	Audit AuditSummary
	// Signals names the models behind the examiners' signals (signals.go).
	Signals SignalsSummary

	Appendix       []AppendixSection
	AppendixCap    int
	AppendixListed int64
	AppendixTotal  int64
}

// Examiner is one person who acted on the case, from the audit log.
type Examiner struct {
	Name        string
	Actions     []string // ingest, verify, hashset-import, categorize, ...
	Decisions   int64
	First, Last time.Time
}

// Row counts one category: unique media by kind, and their places by how
// they were found.
type Row struct {
	Code, Label           string
	Unique, Occurrences   int64
	Pictures, Videos      int64
	Other                 int64
	Live, Deleted, Carved int64
	Embedded              int64
}

func (r *Row) add(m store.Media, p store.Places) {
	r.Unique++
	switch m.Kind {
	case "picture":
		r.Pictures++
	case "video":
		r.Videos++
	default:
		r.Other++
	}
	r.Occurrences += p.Total()
	r.Live += p.Live
	r.Deleted += p.Deleted
	r.Carved += p.Carved
	r.Embedded += p.Embedded
}

// Table is the per-category summary: one row per scheme category, then
// suggestion-only, no category, unreadable places, and the total.
type Table struct {
	Rows  []Row
	Total Row
}

// ExhibitTable is the summary of one evidence item.
type ExhibitTable struct {
	Evidence string
	Table
}

// ReviewCounts counts unique media by who decided their category.
type ReviewCounts struct {
	Label                          string
	Media, Pictures, Videos, Other int64
}

// AuditSummary states whether the audit log holds, and which entry the
// reported state follows. Exports change nothing, so entries after the last
// non-export one are left out: two reports of one case stay identical.
type AuditSummary struct {
	OK        bool
	Problem   string
	StateSeq  uint64
	StateAt   time.Time
	StateWhat string
	StateHash string
}

// AppendixSection lists the hashes of one decided category.
type AppendixSection struct {
	Code, Label string
	Total       int64
	Rows        []HashRow
}

// HashRow is one media of the appendix, kept compact: up to a cap of them
// per category sit in memory while the store is scanned.
type HashRow struct {
	SHA256 [32]byte
	MD5    [16]byte
	Kind   string
	Size   int64
	Places int64
}

// Source kinds, in the order the review table shows them.
const (
	srcHashSet = iota
	srcLab     // an exact match in the lab's library: other cases' examiners
	srcExaminer
	srcSuggested
	srcNone
)

// labRowLabel names the lab library's row as the method section cites it:
// the cases and examiners whose decisions matched.
func labRowLabel(lab *categorize.LabApplied) string {
	l := "Category from the lab library"
	if lab == nil || len(lab.Cases) == 0 {
		return l
	}
	return l + " (cases " + strings.Join(lab.Cases, ", ") + "; examiners " + strings.Join(lab.Examiners, ", ") + ")"
}

func sourceKind(c store.Category) int {
	if c.Category == "" {
		return srcNone
	}
	switch c.Provenance().Kind {
	case store.FromExaminer:
		return srcExaminer
	case store.FromHashSet:
		return srcHashSet
	case store.FromLab:
		if !c.Provenance().LabNear() {
			return srcLab
		}
	}
	// An unknown source is nobody's decision: count it with suggestions
	// rather than under a legal category.
	return srcSuggested
}

// Build reads the case once (plus `scrim stats`' own two scans) and returns
// the report. Memory is bounded by the number of categories, evidence items
// and examiners, and by the appendix cap.
func Build(st *store.Store, opt Options) (*Report, error) {
	return BuildContext(context.Background(), st, opt)
}

// BuildContext is Build that stops when ctx is done (Ctrl-C on a large case).
func BuildContext(ctx context.Context, st *store.Store, opt Options) (*Report, error) {
	r := &Report{Tool: cmp.Or(opt.Tool, buildinfo.Get().Tool()), GeneratedAt: opt.Now.UTC(), AppendixCap: opt.AppendixCap, NearDup: neardup.DefaultRule()}
	if r.AppendixCap <= 0 {
		r.AppendixCap = DefaultAppendixCap
	}
	if err := r.caseFacts(st, opt); err != nil {
		return nil, err
	}
	stats, err := st.Stats()
	if err != nil {
		return nil, fmt.Errorf("count case: %w", err)
	}
	r.Stats = stats
	for _, e := range stats.Evidence {
		r.Evidence = append(r.Evidence, e.Evidence)
		if r.FirstIngest.IsZero() || (!e.FirstIngested.IsZero() && e.FirstIngested.Before(r.FirstIngest)) {
			r.FirstIngest = e.FirstIngested
		}
		if e.LastIngested.After(r.LastIngest) {
			r.LastIngest = e.LastIngested
		}
	}
	if r.HashSets, err = st.HashSets(); err != nil {
		return nil, fmt.Errorf("read hash sets: %w", err)
	}
	sort.Slice(r.HashSets, func(i, j int) bool { return r.HashSets[i].Name < r.HashSets[j].Name })
	if lm, ok, err := categorize.LastLabMatch(st); err != nil {
		return nil, err
	} else if ok {
		r.Lab = &lm
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := r.count(ctx, st); err != nil {
		return nil, err
	}
	if err := r.audit(st); err != nil {
		return nil, err
	}
	if err := r.signals(st); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Report) caseFacts(st *store.Store, opt Options) error {
	var err error
	r.CaseNumber, r.Title = opt.CaseNumber, opt.Title
	if r.CaseNumber == "" {
		if r.CaseNumber, err = st.Meta("case_number"); err != nil {
			return err
		}
	}
	if r.CaseNumber == "" {
		r.CaseNumber = filepath.Base(st.Dir())
		r.CaseNumberDerived = true
	}
	if r.Title == "" {
		if r.Title, err = st.Meta("case_title"); err != nil {
			return err
		}
	}
	if r.StoreFormat, err = st.Meta("format"); err != nil {
		return err
	}
	if r.HashPipeline, err = st.Meta("hash_pipeline"); err != nil {
		return err
	}
	if r.Scheme, err = categorize.CaseScheme(st); err != nil {
		return fmt.Errorf("category scheme: %w", err)
	}
	return nil
}

// count fills the category tables, review counts and appendix in one
// merge-join pass over media, categories and places.
func (r *Report) count(ctx context.Context, st *store.Store) error {
	idx := map[string]int{} // category code -> row
	newTable := func() Table {
		t := Table{}
		for _, c := range r.Scheme.Categories {
			t.Rows = append(t.Rows, Row{Code: c.Code, Label: c.Label})
		}
		return t
	}
	for i, c := range r.Scheme.Categories {
		idx[c.Code] = i
	}
	ncat := len(r.Scheme.Categories)
	// Rows after the scheme's: codes no longer in the scheme get their own.
	extra := []string{}
	rowOf := func(c store.Category, kind int) int {
		switch kind {
		case srcSuggested:
			return -1
		case srcNone:
			return -2
		}
		if i, ok := idx[c.Category]; ok {
			return i
		}
		idx[c.Category] = ncat + len(extra)
		extra = append(extra, c.Category)
		return idx[c.Category]
	}
	r.Case = newTable()
	per := map[string]*Table{}
	for _, e := range r.Evidence {
		t := newTable()
		per[e.ID] = &t
	}
	var sugg, none Row
	perSugg, perNone := map[string]*Row{}, map[string]*Row{}
	appx := map[int]*AppendixSection{}
	r.Review = [5]ReviewCounts{{Label: "Category from a hash set"}, {Label: labRowLabel(r.Lab)}, {Label: "Category decided by an examiner"},
		{Label: "Suggestion only (near-duplicate, not confirmed)"}, {Label: "No category (not reviewed)"}}

	grow := func(t *Table, i int) *Row {
		for len(t.Rows) <= i {
			code := extra[len(t.Rows)-ncat]
			t.Rows = append(t.Rows, Row{Code: code, Label: "(not in the case's scheme)"})
		}
		return &t.Rows[i]
	}
	seen := 0
	err := st.EachMediaPlaces(func(mp store.MediaPlaces) error {
		if seen++; seen%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		m := mp.Media
		kind := sourceKind(mp.Category)
		rc := &r.Review[kind]
		rc.Media++
		switch m.Kind {
		case "picture":
			rc.Pictures++
		case "video":
			rc.Videos++
		default:
			rc.Other++
		}
		if len(mp.Category.Conflict) > 0 {
			r.Conflicts++
		}
		if m.Error != "" {
			r.Undecoded++
		}
		var all store.Places
		for _, p := range mp.ByEvidence {
			all.Live += p.Live
			all.Deleted += p.Deleted
			all.Carved += p.Carved
			all.Embedded += p.Embedded
		}
		i := rowOf(mp.Category, kind)
		switch i {
		case -1:
			sugg.add(m, all)
		case -2:
			none.add(m, all)
		default:
			grow(&r.Case, i).add(m, all)
			sec := appx[i]
			if sec == nil {
				sec = &AppendixSection{}
				appx[i] = sec
			}
			sec.Total++
			if len(sec.Rows) < r.AppendixCap {
				hr := HashRow{Kind: kindName(m.Kind), Size: m.Size, Places: all.Total()}
				hex.Decode(hr.SHA256[:], []byte(m.SHA256))
				hex.Decode(hr.MD5[:], []byte(m.MD5))
				sec.Rows = append(sec.Rows, hr)
			}
		}
		for ev, p := range mp.ByEvidence {
			t := per[ev]
			if t == nil { // places under an evidence ID with no record: still counted
				nt := newTable()
				t = &nt
				per[ev] = t
			}
			switch i {
			case -1:
				rowIn(perSugg, ev).add(m, p)
			case -2:
				rowIn(perNone, ev).add(m, p)
			default:
				grow(t, i).add(m, p)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("count categories: %w", err)
	}
	finish := func(t *Table, s, n Row, c store.Counts) error {
		for len(t.Rows) < ncat+len(extra) {
			grow(t, len(t.Rows))
		}
		s.Code, s.Label = "", "Suggestion only (not confirmed)"
		n.Code, n.Label = "", "No category"
		t.Rows = append(t.Rows, s, n)
		var tot Row
		for _, x := range t.Rows {
			tot.Unique += x.Unique
			tot.Occurrences += x.Occurrences
			tot.Pictures += x.Pictures
			tot.Videos += x.Videos
			tot.Other += x.Other
			tot.Live += x.Live
			tot.Deleted += x.Deleted
			tot.Carved += x.Carved
			tot.Embedded += x.Embedded
		}
		// Places with no content are only in the occurrence records that
		// Stats scans; what Stats counts beyond the indexed places is them.
		u := Row{Label: "Unreadable places (no content)", Occurrences: c.Occurrences - tot.Occurrences}
		if u.Occurrences < 0 {
			return fmt.Errorf("case is inconsistent: %d places indexed, %d recorded", tot.Occurrences, c.Occurrences)
		}
		t.Rows = append(t.Rows, u)
		tot.Occurrences += u.Occurrences
		tot.Label = "Total"
		if tot.Unique != c.Unique || tot.Pictures != c.Pictures || tot.Videos != c.Videos {
			return fmt.Errorf("case changed while the report was built: %d unique media counted, %d by stats", tot.Unique, c.Unique)
		}
		t.Total = tot
		return nil
	}
	if err := finish(&r.Case, sugg, none, r.Stats.Counts); err != nil {
		return err
	}
	r.Unreadable = r.Case.Rows[len(r.Case.Rows)-1].Occurrences
	for _, e := range r.Stats.Evidence {
		s, n := rowIn(perSugg, e.ID), rowIn(perNone, e.ID)
		t := per[e.ID]
		if err := finish(t, *s, *n, e.Counts); err != nil {
			return fmt.Errorf("evidence %s: %w", e.ID, err)
		}
		r.PerExhibit = append(r.PerExhibit, ExhibitTable{Evidence: e.ID, Table: *t})
	}
	r.appendix(appx)
	return nil
}

func rowIn(m map[string]*Row, ev string) *Row {
	if m[ev] == nil {
		m[ev] = &Row{}
	}
	return m[ev]
}

// appendix orders the decided categories from most to least severe and
// spends the row budget in that order, so the gravest material is listed
// in full first.
func (r *Report) appendix(secs map[int]*AppendixSection) {
	var order []int
	for i := range secs {
		order = append(order, i)
	}
	sev := func(i int) int {
		if i < len(r.Scheme.Categories) {
			return r.Scheme.Categories[i].Severity
		}
		return -1
	}
	sort.Slice(order, func(a, b int) bool {
		if sa, sb := sev(order[a]), sev(order[b]); sa != sb {
			return sa > sb
		}
		return order[a] < order[b]
	})
	budget := r.AppendixCap
	for _, i := range order {
		s := secs[i]
		row := r.Case.Rows[i]
		s.Code, s.Label = row.Code, row.Label
		r.AppendixTotal += s.Total
		if len(s.Rows) > budget {
			s.Rows = slices.Clip(s.Rows[:budget])
		}
		budget -= len(s.Rows)
		r.AppendixListed += int64(len(s.Rows))
		r.Appendix = append(r.Appendix, *s)
	}
}

// audit checks the chain and finds the last entry that changed the case.
func (r *Report) audit(st *store.Store) error {
	chk, err := st.VerifyAudit()
	if err != nil {
		return fmt.Errorf("verify audit log: %w", err)
	}
	r.Audit.OK, r.Audit.Problem = chk.OK, chk.Problem
	people := map[string]*Examiner{}
	err = st.Scan("a/", func(_, v []byte) error {
		var e store.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		if e.Action == "export" {
			return nil
		}
		sum := sha256.Sum256(v)
		r.Audit.StateSeq, r.Audit.StateAt, r.Audit.StateWhat = e.Seq, e.At, e.Action
		r.Audit.StateHash = hex.EncodeToString(sum[:])
		name := e.Actor
		if name == "" {
			name = "(not named)"
		}
		p := people[name]
		if p == nil {
			p = &Examiner{Name: name, First: e.At}
			people[name] = p
		}
		if !slices.Contains(p.Actions, e.Action) {
			p.Actions = append(p.Actions, e.Action)
		}
		if e.Action == "categorize" {
			p.Decisions++
		}
		if e.At.Before(p.First) {
			p.First = e.At
		}
		if e.At.After(p.Last) {
			p.Last = e.At
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	for _, p := range people {
		slices.Sort(p.Actions)
		r.Examiners = append(r.Examiners, *p)
	}
	sort.Slice(r.Examiners, func(i, j int) bool { return r.Examiners[i].Name < r.Examiners[j].Name })
	return nil
}

// kindName shares one string per kind across appendix rows instead of
// keeping each decoded record's copy.
func kindName(k string) string {
	for _, c := range []string{"picture", "video", "other"} {
		if k == c {
			return c
		}
	}
	return k
}
