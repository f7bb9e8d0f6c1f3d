package ingest

import (
	"testing"
	"time"

	"scrim/store"
)

// TestFormatTimeAs: reusing a formatted time gives what formatting would,
// for the same instant in another zone, another instant and no time.
func TestFormatTimeAs(t *testing.T) {
	m := time.Date(2024, 3, 1, 6, 15, 0, 123456789, time.UTC)
	paris := time.FixedZone("CET", 3600)
	for _, c := range []time.Time{m, m.In(paris), m.Add(time.Nanosecond), {}, time.Unix(0, 0)} {
		for _, other := range []time.Time{m, {}} {
			if got, want := formatTimeAs(c, other, store.FormatTime(other)), store.FormatTime(c); got != want {
				t.Errorf("formatTimeAs(%v, %v) = %q, want %q", c, other, got, want)
			}
		}
	}
}
