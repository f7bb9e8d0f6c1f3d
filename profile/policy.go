package profile

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Policy is the supervisor's exposure policy for this workstation.
// A zero RevealPerHour or RevealPerDay means no such cap.
type Policy struct {
	MaxReveal     time.Duration `json:"max_reveal"`      // one reveal, at most
	RevealPerHour time.Duration `json:"reveal_per_hour"` // revealed time in any 60 minutes
	RevealPerDay  time.Duration `json:"reveal_per_day"`  // revealed time in a calendar day
	BreakAfter    time.Duration `json:"break_after"`     // continuous review before a break is due
	BreakLength   time.Duration `json:"break_length"`
	ColourAllowed bool          `json:"colour_allowed"`
	// TileFactsAllowed lets examiners show file facts (name, where found,
	// hash set, category source) under the tiles; each examiner still
	// switches them on for themselves.
	TileFactsAllowed bool `json:"tile_facts_allowed"`
	// LabGrace is how long a workstation that lost the lab may still
	// reveal; after it, review goes on blurred until the lab answers again.
	LabGrace time.Duration `json:"lab_grace"`
}

// DefaultPolicy applies until a supervisor sets one.
var DefaultPolicy = Policy{
	MaxReveal:     5 * time.Second,
	RevealPerHour: 2 * time.Minute,
	RevealPerDay:  20 * time.Minute,
	BreakAfter:    50 * time.Minute,
	BreakLength:   10 * time.Minute,
	// Facts are text, not pictures; the per-examiner toggle is off by default.
	TileFactsAllowed: true,
	LabGrace:         5 * time.Minute,
}

// Validate reports the first unusable setting.
func (p Policy) Validate() error {
	switch {
	case p.MaxReveal <= 0:
		return fmt.Errorf("policy: the longest reveal must be more than 0")
	case p.RevealPerHour < 0 || p.RevealPerDay < 0:
		return fmt.Errorf("policy: reveal budgets cannot be negative (0 means no cap)")
	case p.BreakAfter <= 0 || p.BreakLength <= 0:
		return fmt.Errorf("policy: break-after and break length must be more than 0")
	case p.LabGrace < 0:
		return fmt.Errorf("policy: the lab grace period cannot be negative (0 means no reveal without the lab)")
	}
	return nil
}

func (p Policy) fields() map[string]string {
	return map[string]string{
		"max_reveal": p.MaxReveal.String(), "reveal_per_hour": p.RevealPerHour.String(),
		"reveal_per_day": p.RevealPerDay.String(), "break_after": p.BreakAfter.String(),
		"break_length": p.BreakLength.String(), "colour_allowed": fmt.Sprint(p.ColourAllowed),
		"tile_facts_allowed": fmt.Sprint(p.TileFactsAllowed), "lab_grace": p.LabGrace.String(),
	}
}

func policy(txn *badger.Txn) (Policy, error) {
	p := DefaultPolicy
	_, err := getJSON(txn, "meta/policy", &p)
	return p, err
}

// Policy returns the policy in force.
func (h *Home) Policy() (Policy, error) {
	var p Policy
	err := h.viewPeople(func(tx PeopleTx) error {
		var err error
		p, err = tx.Policy()
		return err
	})
	if h.lab != nil {
		h.health.note(err, h.opt.Clock())
		if err == nil {
			h.polMu.Lock()
			h.pol, h.polAt = p, time.Now()
			h.polMu.Unlock()
		}
	}
	if err != nil {
		return p, fmt.Errorf("read policy: %w", err)
	}
	return p, nil
}

// policyRefresh is how often a workstation rereads the lab's policy while
// reviewing: a supervisor's change reaches every workstation within it.
const policyRefresh = 10 * time.Second

// livePolicy is the policy for decisions made while reviewing. With a lab
// it is reread at most every policyRefresh, and while the lab is away the
// last one read holds.
func (h *Home) livePolicy() (Policy, error) {
	if h.lab == nil {
		return h.Policy()
	}
	h.polMu.Lock()
	p, at := h.pol, h.polAt
	h.polMu.Unlock()
	down, _ := h.health.state()
	if !at.IsZero() && (time.Since(at) < policyRefresh || !down.IsZero()) {
		return p, nil
	}
	fresh, err := h.Policy()
	if err != nil && !at.IsZero() {
		return p, nil
	}
	return fresh, err
}

// labGraceOver reports, with a lab, how long it has not answered once that
// exceeds the policy's grace period (0: reveals may go on).
func (h *Home) labGraceOver(now time.Time, p Policy) time.Duration {
	if h.lab == nil {
		return 0
	}
	down, _ := h.health.state()
	if down.IsZero() || now.Sub(down) < p.LabGrace {
		return 0
	}
	return max(now.Sub(down), time.Second)
}

// SetPolicy replaces the policy. It needs a supervisor's session and that
// supervisor's PIN again; a wrong PIN counts towards the lockout. The change
// (old → new) is audited.
func (h *Home) SetPolicy(s *Session, pin string, p Policy) error {
	if err := h.check(s, RoleSupervisor); err != nil {
		return fmt.Errorf("set policy: %w", err)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	var outcome error
	err := h.writePeople(func(w *wtx) error {
		var err error
		if _, outcome, err = h.authenticate(w, s.Name, pin, "pin-check"); err != nil || outcome != nil {
			return err
		}
		old, err := w.people.Policy()
		if err != nil {
			return err
		}
		if err := w.people.PutPolicy(p, s.Name, w.now); err != nil {
			return err
		}
		detail := map[string]string{}
		of, nf := old.fields(), p.fields()
		for k, v := range nf {
			if of[k] != v {
				detail[k] = of[k] + " → " + v
			}
		}
		return w.audit(s.Name, "policy-change", detail)
	})
	if err != nil {
		return fmt.Errorf("set policy: %w", err)
	}
	if outcome != nil {
		return fmt.Errorf("set policy: %w", outcome)
	}
	return nil
}

// Decision answers "may I reveal now, and for how long?".
type Decision struct {
	Allowed bool
	Reason  string        // a calm sentence to show
	Max     time.Duration // the longest this reveal may last (grid: until a break is due)
}

// CheckReveal decides whether s may use mode now: colour must be allowed, no
// break may be running or due, and the hour's and day's budgets cap Max.
func (h *Home) CheckReveal(s *Session, mode string) (Decision, error) {
	if err := h.check(s, ""); err != nil {
		return Decision{}, fmt.Errorf("check reveal: %w", err)
	}
	if err := validMode(mode); err != nil {
		return Decision{}, err
	}
	now := h.decisionNow()
	var d Decision
	p, err := h.livePolicy()
	if err != nil {
		return Decision{}, fmt.Errorf("check reveal for %s: %w", s.Name, err)
	}
	err = func() error {
		if mode == ModeRevealColour && !p.ColourAllowed {
			d.Reason = "Colour reveal is switched off on this workstation. Grayscale reveal is still available."
			return nil
		}
		act, err := h.activity(s.Name, now, p)
		if err != nil {
			return err
		}
		bs := act.breakState(now, p)
		switch {
		case bs.OnBreak && bs.Remaining > 0:
			d.Reason = fmt.Sprintf("You're on a break. Review picks up again in %s.", human(bs.Remaining))
			return nil
		case bs.Due:
			d.Reason = fmt.Sprintf("You've been reviewing for %s. Please take a %s break now; it helps.", human(bs.ReviewedFor), human(p.BreakLength))
			return nil
		}
		if mode == ModeGrid {
			d.Allowed, d.Max = true, p.BreakAfter-bs.ReviewedFor
			d.Reason = fmt.Sprintf("A break will be due in %s.", human(d.Max))
			return nil
		}
		if away := h.labGraceOver(now, p); away > 0 {
			d.Reason = fmt.Sprintf("The lab server has not answered for %s, so reveal is paused until it does. The blurred grid is still open to you, and nothing you do is lost.", human(away))
			return nil
		}
		d.Max = p.MaxReveal
		d.Allowed = true
		d.Reason = fmt.Sprintf("You may reveal for up to %s.", human(d.Max))
		if p.RevealPerDay > 0 {
			used := act.revealed(startOfDay(now, h.opt.Location), now)
			left := p.RevealPerDay - used
			if left <= 0 {
				d.Allowed, d.Max = false, 0
				d.Reason = fmt.Sprintf("You've used today's reveal time (%s). Reveal is available again tomorrow; the blurred grid is still open to you.", human(p.RevealPerDay))
				return nil
			}
			if left < d.Max {
				d.Max = left
				d.Reason = fmt.Sprintf("You have %s of reveal time left today.", human(left))
			}
		}
		if p.RevealPerHour > 0 {
			used := act.revealed(now.Add(-time.Hour), now)
			left := p.RevealPerHour - used
			if left <= 0 {
				d.Allowed, d.Max = false, 0
				wait := act.waitForBudget(now, p.RevealPerHour)
				d.Reason = fmt.Sprintf("You've used this hour's reveal time (%s). More becomes available in about %s.", human(p.RevealPerHour), human(wait))
				return nil
			}
			if left < d.Max {
				d.Max = left
				d.Reason = fmt.Sprintf("You have %s of reveal time left this hour.", human(left))
			}
		}
		return nil
	}()
	if err != nil {
		return Decision{}, fmt.Errorf("check reveal for %s: %w", s.Name, err)
	}
	return d, nil
}

// human writes a duration the way people say it: "5 seconds", "12 minutes".
func human(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d < time.Minute:
		return plural(int64(math.Ceil(d.Seconds())), "second")
	case d < time.Hour:
		return plural(int64(math.Ceil(d.Minutes()-1e-9)), "minute")
	default:
		h, m := int64(d/time.Hour), int64((d%time.Hour+time.Minute-1)/time.Minute)
		if m == 0 {
			return plural(h, "hour")
		}
		return plural(h, "hour") + " " + plural(m, "minute")
	}
}

func startOfDay(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Break is a recorded break.
type Break struct {
	ID       string        `json:"id"`
	Examiner string        `json:"examiner"`
	Start    time.Time     `json:"start"`
	End      time.Time     `json:"end,omitzero"`
	Length   time.Duration `json:"length"` // the policy's break length when it started
	Open     bool          `json:"open,omitempty"`
	// EndedEarly: ended before Length; it does not reset the review counter.
	EndedEarly   bool   `json:"ended_early,omitempty"`
	ClockSuspect bool   `json:"clock_suspect,omitempty"`
	Workstation  string `json:"workstation,omitempty"` // see Event.Workstation
}

// full reports whether the break counts as rest, at now.
func (b Break) full(now time.Time) bool {
	if b.Open {
		return !now.Before(b.Start.Add(b.Length))
	}
	return !b.EndedEarly
}

// restEnd is when a full break's rest was complete.
func (b Break) restEnd() time.Time {
	if b.Open {
		return b.Start.Add(b.Length)
	}
	return b.End
}

// BreakState is what the UI shows about breaks.
type BreakState struct {
	Due         bool          // continuous review reached BreakAfter
	OnBreak     bool          // a break is running
	Remaining   time.Duration // of the running break
	ReviewedFor time.Duration // continuous review so far
}

// BreakStatus reports s's continuous review time and break state.
func (h *Home) BreakStatus(s *Session) (BreakState, error) {
	if err := h.check(s, ""); err != nil {
		return BreakState{}, fmt.Errorf("break status: %w", err)
	}
	now := h.decisionNow()
	var bs BreakState
	p, err := h.livePolicy()
	if err != nil {
		return bs, fmt.Errorf("break status for %s: %w", s.Name, err)
	}
	act, err := h.activity(s.Name, now, p)
	if err == nil {
		bs = act.breakState(now, p)
	}
	if err != nil {
		return bs, fmt.Errorf("break status for %s: %w", s.Name, err)
	}
	return bs, nil
}

// StartBreak records the start of a break for s.
func (h *Home) StartBreak(s *Session) error {
	if err := h.check(s, ""); err != nil {
		return fmt.Errorf("start break: %w", err)
	}
	p, err := h.Policy()
	if err != nil {
		return fmt.Errorf("start break for %s: %w", s.Name, err)
	}
	err = h.write(func(w *wtx) error {
		if b, err := openBreak(w.txn, s.Name); err != nil {
			return err
		} else if b != nil {
			return fmt.Errorf("a break started at %s is still running", b.Start.In(h.opt.Location).Format("15:04"))
		}
		seq, err := w.nextSeq()
		if err != nil {
			return err
		}
		id := s.Name + "/" + timeKey(w.now) + "/" + seqKey(seq)
		b := Break{ID: id, Examiner: s.Name, Start: w.now, Length: p.BreakLength, Open: true, ClockSuspect: w.suspect}
		if err := w.setJSON("b/"+id, b); err != nil {
			return err
		}
		if err := w.queue("b", id); err != nil {
			return err
		}
		return w.audit(s.Name, "break-start", map[string]string{"id": id, "length": p.BreakLength.String()})
	})
	if err != nil {
		return fmt.Errorf("start break for %s: %w", s.Name, err)
	}
	return nil
}

// EndBreak records the end of s's running break; ended before its length,
// it is marked early and does not reset the review counter.
func (h *Home) EndBreak(s *Session) (Break, error) {
	if err := h.check(s, ""); err != nil {
		return Break{}, fmt.Errorf("end break: %w", err)
	}
	var b Break
	err := h.write(func(w *wtx) error {
		ob, err := openBreak(w.txn, s.Name)
		if err != nil {
			return err
		}
		if ob == nil {
			return fmt.Errorf("no break is running")
		}
		b = *ob
		b.Open, b.End = false, w.now
		b.EndedEarly = w.now.Sub(b.Start) < b.Length
		b.ClockSuspect = b.ClockSuspect || w.suspect || w.now.Before(b.Start)
		if err := w.setJSON("b/"+b.ID, b); err != nil {
			return err
		}
		if err := w.queue("b", b.ID); err != nil {
			return err
		}
		return w.audit(s.Name, "break-end", map[string]string{
			"id": b.ID, "taken": b.End.Sub(b.Start).Round(time.Second).String(), "ended_early": fmt.Sprint(b.EndedEarly),
		})
	})
	if err != nil {
		return b, fmt.Errorf("end break for %s: %w", s.Name, err)
	}
	return b, nil
}

func breaks(txn *badger.Txn, examiner string, from time.Time) ([]Break, error) {
	var out []Break
	p := "b/" + examiner + "/"
	if examiner == "" {
		p = "b/"
	}
	start := ""
	if examiner != "" {
		start = p + timeKey(from)
	}
	err := scan(txn, p, start, "", func(_ string, v []byte) error {
		var b Break
		if err := json.Unmarshal(v, &b); err != nil {
			return err
		}
		if !b.Start.Before(from) {
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

func openBreak(txn *badger.Txn, examiner string) (*Break, error) {
	bs, err := breaks(txn, examiner, time.Time{})
	if err != nil {
		return nil, err
	}
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].Open {
			return &bs[i], nil
		}
	}
	return nil, nil
}

// lookback bounds the history read for live decisions.
const lookback = 36 * time.Hour

// activity is one examiner's recent exposures and breaks.
type activity struct {
	events []Event
	breaks []Break
}

// activity reads examiner's recent records: from every workstation of the
// lab, so budgets and breaks follow the examiner from desk to desk.
func (h *Home) activity(examiner string, now time.Time, p Policy) (activity, error) {
	from := now.Add(-lookback)
	if sod := startOfDay(now, h.opt.Location); sod.Before(from) {
		from = sod
	}
	r, _, err := h.records(examiner, from, time.Time{})
	if err != nil {
		return activity{}, err
	}
	evs, bs := r.Events, r.Breaks
	for i := range evs {
		if evs[i].Open {
			closeEvent(&evs[i], now, false) // in progress: counts up to now
			evs[i].Open = true
		}
	}
	return activity{events: evs, breaks: bs}, nil
}

// revealed sums revealed time within [from, to).
func (a activity) revealed(from, to time.Time) time.Duration {
	var sum time.Duration
	for _, e := range a.events {
		if Revealed(e.Mode) {
			sum += overlap(e.Start, e.Start.Add(e.Duration()), from, to)
		}
	}
	return sum
}

// waitForBudget is how long until the last hour's revealed time falls below limit.
func (a activity) waitForBudget(now time.Time, limit time.Duration) time.Duration {
	ws := now.Add(-time.Hour)
	excess := a.revealed(ws, now) - limit + time.Second
	var ivs []interval
	for _, e := range a.events {
		if Revealed(e.Mode) {
			ivs = append(ivs, interval{e.Start, e.Start.Add(e.Duration())})
		}
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].a.Before(ivs[j].a) })
	for _, iv := range ivs {
		a, b := maxTime(iv.a, ws), iv.b
		if !b.After(a) {
			continue
		}
		if l := b.Sub(a); l < excess {
			excess -= l
			continue
		}
		return a.Add(excess).Sub(ws)
	}
	return time.Hour
}

func (a activity) breakState(now time.Time, p Policy) BreakState {
	var bs BreakState
	for _, b := range a.breaks {
		if b.Open {
			bs.OnBreak = true
			if r := b.Start.Add(b.Length).Sub(now); r > 0 {
				bs.Remaining = r
			}
		}
	}
	blocks := reviewBlocks(a.events, a.breaks, p.BreakLength, now)
	if n := len(blocks); n > 0 {
		last := blocks[n-1]
		rested := now.Sub(last.end) >= p.BreakLength
		for _, b := range a.breaks {
			if b.full(now) && b.restEnd().After(last.end) && !b.restEnd().After(now) {
				rested = true
			}
		}
		if !rested {
			bs.ReviewedFor = last.reviewed
		}
	}
	bs.Due = !bs.OnBreak && bs.ReviewedFor >= p.BreakAfter
	return bs
}

type interval struct{ a, b time.Time }

// block is a stretch of continuous review: exposures with no gap of a
// break's length and no full break between them.
type block struct {
	start, end time.Time
	reviewed   time.Duration // union of exposure time, grid and revealed
}

func reviewBlocks(evs []Event, brs []Break, breakLength time.Duration, now time.Time) []block {
	var ivs []interval
	for _, e := range evs {
		if end := e.Start.Add(e.Duration()); end.After(e.Start) {
			ivs = append(ivs, interval{e.Start, end})
		}
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].a.Before(ivs[j].a) })
	var rests []time.Time
	for _, b := range brs {
		if b.full(now) {
			rests = append(rests, b.restEnd())
		}
	}
	restBetween := func(a, b time.Time) bool {
		for _, r := range rests {
			if r.After(a) && !r.After(b) {
				return true
			}
		}
		return false
	}
	var out []block
	for _, iv := range ivs {
		n := len(out)
		if n > 0 && !iv.a.After(out[n-1].end) { // overlaps: extend
			if iv.b.After(out[n-1].end) {
				out[n-1].reviewed += iv.b.Sub(out[n-1].end)
				out[n-1].end = iv.b
			}
			continue
		}
		if n > 0 && iv.a.Sub(out[n-1].end) < breakLength && !restBetween(out[n-1].end, iv.a) {
			out[n-1].reviewed += iv.b.Sub(iv.a)
			out[n-1].end = iv.b
			continue
		}
		out = append(out, block{start: iv.a, end: iv.b, reviewed: iv.b.Sub(iv.a)})
	}
	return out
}

func overlap(a, b, from, to time.Time) time.Duration {
	a, b = maxTime(a, from), minTime(b, to)
	if b.After(a) {
		return b.Sub(a)
	}
	return 0
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Review is one categorization made at this workstation.
type Review struct {
	ID           string    `json:"id,omitempty"` // examiner/time/seq (older records: from the key)
	Examiner     string    `json:"examiner"`
	Case         string    `json:"case"`
	SHA256       string    `json:"sha256"`
	Category     string    `json:"category"`
	At           time.Time `json:"at"`
	ClockSuspect bool      `json:"clock_suspect,omitempty"`
	Workstation  string    `json:"workstation,omitempty"` // see Event.Workstation
}

// RecordReview records a categorization by s (the UI calls it on each one).
func (h *Home) RecordReview(s *Session, caseName, sha, category string) error {
	if err := h.check(s, ""); err != nil {
		return fmt.Errorf("record review: %w", err)
	}
	err := h.write(func(w *wtx) error {
		seq, err := w.nextSeq()
		if err != nil {
			return err
		}
		id := s.Name + "/" + timeKey(w.now) + "/" + seqKey(seq)
		r := Review{ID: id, Examiner: s.Name, Case: caseName, SHA256: strings.ToLower(sha), Category: category, At: w.now, ClockSuspect: w.suspect}
		if err := w.setJSON("r/"+id, r); err != nil {
			return err
		}
		return w.queue("r", id)
	})
	if err != nil {
		return fmt.Errorf("record review of %s: %w", sha, err)
	}
	return nil
}
