// Package benchrow is the one result line every hot-path benchmark prints:
//
//	BENCHROW path=<id> | what=<path, input size> | scrim=<figure> | baseline=<tool, figure> | ratio=<x>× | load=<start> → <end> | at=<UTC minute>
//
// readable in a `make bench` log as it is, and parsed by internal/benchtable
// into README's speed table. One line per benchmark run; a benchmark that
// Go calls more than once prints it more than once and the last one counts.
package benchrow

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Marker starts the line; it may follow other text on the same line (go
// test prints a benchmark's name before the benchmark's own output, and
// b.Logf indents with the file and line).
const Marker = "BENCHROW "

// None is written for a field that has no value (no external baseline, no
// ratio, an unknown load).
const None = "—"

// TimeLayout is the `at` field's layout: UTC, to the minute.
const TimeLayout = "2006-01-02T15:04Z"

// Row is one benchmark's result beside its baseline from the same run.
type Row struct {
	Path     string  // short stable id, e.g. "ingest/digest-sum"; no spaces
	What     string  // the path measured and the input's size
	Scrim    string  // Scrim's figure with its unit (and peak RSS where measured)
	Baseline string  // the baseline's tool and figure, same run; None if none
	Ratio    float64 // how many times the baseline's speed; 0 if none
	// LoadStart and LoadEnd are the 1-minute load average when the
	// benchmark started and ended; negative if unknown.
	LoadStart, LoadEnd float64
	At                 time.Time // when the benchmark ended; zero if unknown

	ratioText string // the ratio as a parsed line printed it ("0.00×" is a ratio, not none)
}

var keys = []string{"path", "what", "scrim", "baseline", "ratio", "load", "at"}

// String is the line, without a newline. A '|' inside a value is written
// as `\|` (as Markdown tables also want it) and line breaks as spaces, so
// the line always splits back into the same fields.
func (r Row) String() string {
	var sb strings.Builder
	sb.WriteString(Marker)
	vals := []string{clean(r.Path), clean(r.What), orNone(clean(r.Scrim)), orNone(clean(r.Baseline)),
		r.ratio(), FormatLoad(r.LoadStart, r.LoadEnd), formatAt(r.At)}
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(" | ")
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(vals[i])
	}
	return sb.String()
}

// Parse reads the row from a line that contains Marker. Fields come in the
// order String writes them; `at` may be missing (older logs).
func Parse(line string) (Row, error) {
	i := strings.Index(line, Marker)
	if i < 0 {
		return Row{}, fmt.Errorf("no %q in the line", strings.TrimSpace(Marker))
	}
	fields := Split(strings.TrimRight(line[i+len(Marker):], "\r\n"))
	if len(fields) < len(keys)-1 || len(fields) > len(keys) {
		return Row{}, fmt.Errorf("%d fields, want %d (%s)", len(fields), len(keys), strings.Join(keys, ", "))
	}
	vals := make([]string, len(keys))
	for n, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k != keys[n] {
			return Row{}, fmt.Errorf("field %d is %q, want %s=…", n+1, cut(f, 40), keys[n])
		}
		vals[n] = strings.TrimSpace(v)
	}
	r := Row{Path: vals[0], What: Unescape(vals[1]), Scrim: Unescape(vals[2]), Baseline: Unescape(vals[3])}
	// String writes any space or control character as a plain space: a
	// path with one would not read back as itself.
	if r.Path == "" || strings.ContainsFunc(r.Path, func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsControl(c) || strings.ContainsRune("`\\|", c)
	}) {
		return Row{}, fmt.Errorf("path %q: want a short id without spaces", cut(r.Path, 40))
	}
	if r.What == "" || r.Scrim == "" || r.Baseline == "" {
		return Row{}, fmt.Errorf("path %s: what, scrim and baseline must not be empty (write %s)", r.Path, None)
	}
	var err error
	if r.Ratio, err = ParseRatio(vals[4]); err != nil {
		return Row{}, fmt.Errorf("path %s: %w", r.Path, err)
	}
	if vals[4] != None {
		r.ratioText = vals[4]
	}
	if r.LoadStart, r.LoadEnd, err = ParseLoad(vals[5]); err != nil {
		return Row{}, fmt.Errorf("path %s: %w", r.Path, err)
	}
	if vals[6] != "" && vals[6] != None {
		if r.At, err = time.Parse(TimeLayout, vals[6]); err != nil {
			return Row{}, fmt.Errorf("path %s: at %q: want %s", r.Path, cut(vals[6], 40), TimeLayout)
		}
	}
	return r, nil
}

// Split cuts a line at every " | " whose bar is not escaped as `\|`.
func Split(s string) []string {
	var out []string
	start := 0
	for i := 0; i+3 <= len(s); i++ {
		if s[i] == ' ' && s[i+1] == '|' && s[i+2] == ' ' {
			out = append(out, s[start:i])
			start = i + 3
			i += 2
		}
	}
	return append(out, s[start:])
}

// Escape writes '|' as `\|`; Unescape undoes it.
func Escape(s string) string   { return strings.ReplaceAll(s, "|", `\|`) }
func Unescape(s string) string { return strings.ReplaceAll(s, `\|`, "|") }

// clean makes a value one line with its bars escaped. A value is plain
// text: a `\|` in it is a backslash and a bar, written `\\|` (unescaping
// it first lost one backslash per round trip, which the fuzz target found).
func clean(s string) string {
	return Escape(strings.Join(strings.Fields(s), " "))
}

func orNone(s string) string {
	if s == "" {
		return None
	}
	return s
}

// RatioText is the ratio as the parsed line printed it, else formatted.
func (r Row) RatioText() string { return r.ratio() }

func (r Row) ratio() string {
	if r.ratioText != "" {
		return r.ratioText
	}
	return FormatRatio(r.Ratio)
}

// FormatRatio is "1.23×" (three significant digits below 0.1: "0.00497×"),
// rounded down like a speed (format.go), or None for 0 (no ratio).
func FormatRatio(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return None
	}
	digits := ratioDigits(x)
	if x < 0.1 {
		digits = 2 - int(math.Floor(math.Log10(x)))
	}
	if digits > 300 {
		return strconv.FormatFloat(x, 'g', 3, 64) + "×" // below any measured ratio: as it is
	}
	return strconv.FormatFloat(roundTo(x, math.Pow10(digits), math.Floor), 'f', digits, 64) + "×"
}

func ratioDigits(x float64) int {
	switch {
	case x >= 100:
		return 0
	case x >= 10:
		return 1
	}
	return 2
}

// ParseRatio reads a ratio as FormatRatio writes it ("x" for "×" is
// accepted; so is a ratio printed as 0.00, rounded below its digits).
func ParseRatio(s string) (float64, error) {
	if s == None {
		return 0, nil
	}
	v := strings.TrimSuffix(strings.TrimSuffix(s, "×"), "x")
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, fmt.Errorf("ratio %q: want a number ≥ 0 with ×, or %s", cut(s, 40), None)
	}
	return x, nil
}

// FormatLoad is "2.20 → 2.40", or None if either is unknown.
func FormatLoad(start, end float64) string {
	if start < 0 || end < 0 || math.IsNaN(start) || math.IsNaN(end) {
		return None
	}
	return fmt.Sprintf("%.2f → %.2f", start, end)
}

// ParseLoad reads FormatLoad's output ("->" for "→" is accepted).
func ParseLoad(s string) (start, end float64, err error) {
	if s == None {
		return -1, -1, nil
	}
	a, b, ok := strings.Cut(s, "→")
	if !ok {
		a, b, ok = strings.Cut(s, "->")
	}
	if ok {
		start, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			end, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || start < 0 || end < 0 || math.IsInf(start, 0) || math.IsInf(end, 0) {
		return 0, 0, fmt.Errorf("load %q: want \"<start> → <end>\" (1-minute load averages), or %s", cut(s, 40), None)
	}
	return start, end, nil
}

func formatAt(t time.Time) string {
	if t.IsZero() {
		return None
	}
	return t.UTC().Format(TimeLayout)
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
