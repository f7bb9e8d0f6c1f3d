package demo

import (
	"math/rand/v2"
	"time"
)

// The plausible period of the demo evidence; whole seconds keep mtimes
// exact on every filesystem Scrim might ingest from.
func periodStart() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }
func periodEnd() time.Time   { return time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC) }

// clock hands out deterministic, plausible file dates.
type clock struct{ rng *rand.Rand }

// between returns a random whole second in [from, to], clamped to the period.
func (c clock) between(from, to time.Time) time.Time {
	if from.Before(periodStart()) {
		from = periodStart()
	}
	if to.After(periodEnd()) {
		to = periodEnd()
	}
	if !to.After(from) {
		return from
	}
	secs := int64(to.Sub(from) / time.Second)
	return from.Add(time.Duration(c.rng.Int64N(secs+1)) * time.Second)
}

// any returns a random time in the whole period.
func (c clock) any() time.Time { return c.between(periodStart(), periodEnd()) }

// after returns a time up to maxDays after t, for copies and edits made
// later than their original.
func (c clock) after(t time.Time, maxDays int) time.Time {
	return c.between(t.Add(time.Minute), t.Add(time.Duration(maxDays)*24*time.Hour))
}
