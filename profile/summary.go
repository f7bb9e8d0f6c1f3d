package profile

import (
	"fmt"
	"sort"
	"time"
)

// Filter selects figures: one examiner ("" = everyone) and a time range
// [Since, Until) (zero = open).
type Filter struct {
	Examiner     string
	Since, Until time.Time
}

// DayFigures is one examiner's day, in the Home's location.
type DayFigures struct {
	Date            string         `json:"date"` // 2006-01-02
	GridSeconds     float64        `json:"grid_seconds"`
	RevealedSeconds float64        `json:"revealed_seconds"` // reveal, reveal-colour, full, video
	Reveals         int            `json:"reveals"`
	Interrupted     int            `json:"interrupted"`
	ItemsReviewed   int            `json:"items_reviewed"`
	Categories      map[string]int `json:"categories"`
	ClockSuspect    int            `json:"clock_suspect"` // records written while the clock was behind
	OverLimit       bool           `json:"over_limit"`    // revealed more than the policy's RevealPerDay
}

// WeekFigures totals an ISO week.
type WeekFigures struct {
	Week            string  `json:"week"` // 2026-W48
	GridSeconds     float64 `json:"grid_seconds"`
	RevealedSeconds float64 `json:"revealed_seconds"`
	Reveals         int     `json:"reveals"`
	Interrupted     int     `json:"interrupted"`
	ItemsReviewed   int     `json:"items_reviewed"`
}

// ExaminerSummary is one person's figures.
type ExaminerSummary struct {
	Examiner string        `json:"examiner"`
	Role     string        `json:"role,omitempty"`
	Days     []DayFigures  `json:"days"`
	Weeks    []WeekFigures `json:"weeks"`
	// Breaks: taken in full, ended early, and skipped (each further
	// BreakAfter of continuous review once a break was already due).
	BreaksTaken      int  `json:"breaks_taken"`
	BreaksEndedEarly int  `json:"breaks_ended_early"`
	BreaksSkipped    int  `json:"breaks_skipped"`
	OverLimit        bool `json:"over_limit"` // any day over RevealPerDay
}

// Summary computes per-examiner figures, ordered by name, days and weeks in
// date order. Every profile is listed (with no days if it did nothing),
// and any examiner with records but no profile.
func (h *Home) Summary(f Filter) ([]ExaminerSummary, error) {
	now := h.opt.Clock()
	loc := h.opt.Location
	var out []ExaminerSummary
	p, err := h.Policy()
	if err != nil {
		return nil, fmt.Errorf("exposure summary: %w", err)
	}
	profiles, err := h.Profiles()
	if err != nil {
		return nil, fmt.Errorf("exposure summary: %w", err)
	}
	// Read from a day early so blocks and midnight-spanning exposures are whole.
	from := f.Since
	if !from.IsZero() {
		from = from.Add(-24 * time.Hour)
	}
	recs, online, err := h.records(f.Examiner, from, f.Until)
	if err != nil {
		return nil, fmt.Errorf("exposure summary: %w", err)
	}
	if !online {
		_, lerr := h.health.state()
		return nil, fmt.Errorf("exposure summary: the lab does not answer, so every workstation's figures cannot be read: %w", lerr)
	}
	err = func() error {
		people := map[string]*ExaminerSummary{}
		person := func(name string) *ExaminerSummary {
			if people[name] == nil {
				people[name] = &ExaminerSummary{Examiner: name}
			}
			return people[name]
		}
		for _, pr := range profiles {
			if f.Examiner == "" || f.Examiner == pr.Name {
				person(pr.Name).Role = pr.Role
			}
		}
		evs, brs := recs.Events, recs.Breaks
		var revs []Review
		for _, r := range recs.Reviews {
			if in(r.At, f) {
				revs = append(revs, r)
			}
		}
		days := map[string]map[string]*DayFigures{} // examiner → date
		day := func(name string, t time.Time) *DayFigures {
			if days[name] == nil {
				days[name] = map[string]*DayFigures{}
			}
			k := t.In(loc).Format("2006-01-02")
			if days[name][k] == nil {
				days[name][k] = &DayFigures{Date: k, Categories: map[string]int{}}
			}
			return days[name][k]
		}
		byExaminer := map[string][]Event{}
		for _, e := range evs {
			person(e.Examiner)
			if e.Open { // in progress: counts up to now
				closeEvent(&e, maxTime(now, e.Start), false)
			}
			byExaminer[e.Examiner] = append(byExaminer[e.Examiner], e)
			end := e.Start.Add(e.Duration())
			if in(e.Start, f) {
				d := day(e.Examiner, e.Start)
				if Revealed(e.Mode) {
					d.Reveals++
				}
				if e.Interrupted {
					d.Interrupted++
				}
				if e.ClockSuspect {
					d.ClockSuspect++
				}
			}
			// Time is split at midnight and clipped to the filter.
			for a := e.Start; a.Before(end); {
				b := minTime(end, startOfDay(a, loc).AddDate(0, 0, 1))
				secs := overlap(a, b, f.Since, until(f)).Seconds()
				if secs > 0 {
					d := day(e.Examiner, a)
					if Revealed(e.Mode) {
						d.RevealedSeconds += secs
					} else {
						d.GridSeconds += secs
					}
				}
				a = b
			}
		}
		for _, r := range revs {
			person(r.Examiner)
			d := day(r.Examiner, r.At)
			d.ItemsReviewed++
			d.Categories[r.Category]++
			if r.ClockSuspect {
				d.ClockSuspect++
			}
		}
		brByExaminer := map[string][]Break{}
		for _, b := range brs {
			person(b.Examiner)
			brByExaminer[b.Examiner] = append(brByExaminer[b.Examiner], b)
		}
		for name, s := range people {
			for _, b := range brByExaminer[name] {
				if !in(b.Start, f) {
					continue
				}
				switch {
				case b.full(now):
					s.BreaksTaken++
				case !b.Open:
					s.BreaksEndedEarly++
				}
			}
			for _, bl := range reviewBlocks(byExaminer[name], brByExaminer[name], p.BreakLength, now) {
				if in(bl.end, f) {
					if n := int(bl.reviewed/p.BreakAfter) - 1; n > 0 {
						s.BreaksSkipped += n
					}
				}
			}
			weeks := map[string]*WeekFigures{}
			for _, d := range days[name] {
				d.GridSeconds, d.RevealedSeconds = ms(d.GridSeconds), ms(d.RevealedSeconds)
				d.OverLimit = p.RevealPerDay > 0 && d.RevealedSeconds > p.RevealPerDay.Seconds()
				s.OverLimit = s.OverLimit || d.OverLimit
				s.Days = append(s.Days, *d)
				t, _ := time.ParseInLocation("2006-01-02", d.Date, loc)
				y, wk := t.ISOWeek()
				k := fmt.Sprintf("%04d-W%02d", y, wk)
				if weeks[k] == nil {
					weeks[k] = &WeekFigures{Week: k}
				}
				w := weeks[k]
				w.GridSeconds += d.GridSeconds
				w.RevealedSeconds += d.RevealedSeconds
				w.Reveals += d.Reveals
				w.Interrupted += d.Interrupted
				w.ItemsReviewed += d.ItemsReviewed
			}
			sort.Slice(s.Days, func(i, j int) bool { return s.Days[i].Date < s.Days[j].Date })
			for _, w := range weeks {
				w.GridSeconds, w.RevealedSeconds = ms(w.GridSeconds), ms(w.RevealedSeconds)
				s.Weeks = append(s.Weeks, *w)
			}
			sort.Slice(s.Weeks, func(i, j int) bool { return s.Weeks[i].Week < s.Weeks[j].Week })
			if s.Days == nil {
				s.Days = []DayFigures{}
			}
			if s.Weeks == nil {
				s.Weeks = []WeekFigures{}
			}
			out = append(out, *s)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Examiner < out[j].Examiner })
		return nil
	}()
	if err != nil {
		return nil, fmt.Errorf("exposure summary: %w", err)
	}
	return out, nil
}

func in(t time.Time, f Filter) bool {
	return !t.Before(f.Since) && (f.Until.IsZero() || t.Before(f.Until))
}

func until(f Filter) time.Time {
	if f.Until.IsZero() {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return f.Until
}

// ms rounds seconds to milliseconds, so sums print the same everywhere.
func ms(s float64) float64 { return float64(int64(s*1000+0.5)) / 1000 }
