package benchrow

import (
	"fmt"
	"strconv"
	"time"
)

// Rate formats a speed with three significant figures and thousands
// grouping: Rate(21862.4, "files/s") = "21,900 files/s".
func Rate(x float64, unit string) string { return Count(x) + " " + unit }

// Count is x to three significant figures, grouped by thousands.
func Count(x float64) string {
	switch {
	case x >= 1000:
		p := 1.0
		for x/p >= 1000 {
			p *= 10
		}
		return group(int64(x/p+0.5) * int64(p))
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
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

// Seconds is a duration as "12.3 s" (or "850 ms" below a second).
func Seconds(d time.Duration) string {
	if d < time.Second {
		return Count(float64(d)/float64(time.Millisecond)) + " ms"
	}
	return Count(d.Seconds()) + " s"
}

// MiB is a byte count as "347 MiB" (or "1.25 GiB").
func MiB(bytes int64) string {
	if bytes >= 1<<30 {
		return fmt.Sprintf("%.2f GiB", float64(bytes)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", (bytes+1<<19)>>20)
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
