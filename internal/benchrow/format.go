package benchrow

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Figures are rounded against Scrim, never toward a target: a speed (and
// a ratio, row.go) down, a time or a size up. Rounded to the nearest, a
// listing at 199,938 rows/s read "200,000 rows/s", as if it met a target
// of 200,000.

// Rate formats a speed with three significant figures, rounded down, and
// thousands grouping: Rate(21862.4, "files/s") = "21,800 files/s".
func Rate(x float64, unit string) string { return count(x, math.Floor) + " " + unit }

// Count is x to three significant figures, grouped by thousands, rounded
// to the nearest: a size of input, not a result. A whole number under 100
// is written whole: an empty queue has "0 items", not "0.00".
func Count(x float64) string {
	if x >= 0 && x < 100 && x == math.Trunc(x) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return count(x, math.Round)
}

// count is Count rounding with round (math.Floor, math.Ceil, math.Round).
func count(x float64, round func(float64) float64) string {
	switch {
	case x >= 1000:
		p := 1.0
		for x/p >= 1000 {
			p *= 10
		}
		return group(int64(roundTo(x/p, 1, round)) * int64(p))
	case x >= 100:
		return fmt.Sprintf("%.0f", roundTo(x, 1, round))
	case x >= 10:
		return fmt.Sprintf("%.1f", roundTo(x, 10, round))
	}
	return fmt.Sprintf("%.2f", roundTo(x, 100, round))
}

// roundTo rounds x to a multiple of 1/scale. A product that binary
// floating point leaves a hair under or over a whole number (0.29 × 100 is
// 28.999999999999996) counts as that number, so the rounding direction
// never moves a figure by a whole digit.
func roundTo(x, scale float64, round func(float64) float64) float64 {
	y := x * scale
	if n := math.Round(y); math.Abs(y-n) <= 1e-9*math.Max(1, math.Abs(y)) {
		y = n
	}
	return round(y) / scale
}

func group(n int64) string {
	s := fmt.Sprint(n)
	out := ""
	for len(s) > 3 {
		out = "," + s[len(s)-3:] + out
		s = s[:len(s)-3]
	}
	return s + out
}

// Seconds is a duration as "12.3 s" (or "850 ms" below a second),
// rounded up.
func Seconds(d time.Duration) string {
	if d < time.Second {
		return count(float64(d)/float64(time.Millisecond), math.Ceil) + " ms"
	}
	return count(d.Seconds(), math.Ceil) + " s"
}

// MiB is a byte count as "347 MiB" (or "1.25 GiB"), rounded up.
func MiB(bytes int64) string {
	if bytes >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", roundTo(float64(bytes)/(1<<30), 100, math.Ceil))
	}
	return fmt.Sprintf("%d MiB", (bytes+1<<20-1)>>20)
}

// Size is n in short form for a row's path, which names the input size
// where an environment knob sets it: 10M, 200k, 1.1G.
func Size(n float64) string {
	for _, u := range []struct {
		f float64
		s string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if n >= u.f {
			return strconv.FormatFloat(float64(float32(n/u.f)), 'g', 3, 64) + u.s
		}
	}
	return strconv.FormatFloat(n, 'g', 3, 64)
}
