package benchrow

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Logger is what a benchmark gives Meter to print on (*testing.B).
type Logger interface {
	Helper()
	Logf(format string, args ...any)
}

// Meter notes the load when a benchmark starts, so its row can say the
// load at start and end.
type Meter struct {
	path      string
	loadStart float64
}

// Start begins the row named path (a short stable id: the table's key).
func Start(path string) Meter { return Meter{path: path, loadStart: Load()} }

// Named is the same row under another path, for a benchmark that learns
// its input's size (part of the path) only once it has run.
func (m Meter) Named(path string) Meter { m.path = path; return m }

// Row is the finished row: the load now is its end load.
func (m Meter) Row(what, scrim, baseline string, ratio float64) Row {
	return Row{Path: m.path, What: what, Scrim: scrim, Baseline: baseline, Ratio: ratio,
		LoadStart: m.loadStart, LoadEnd: Load(), At: time.Now()}
}

// Log prints the row on the benchmark's log. baseline "" or None: no
// baseline; ratio 0: none.
func (m Meter) Log(l Logger, what, scrim, baseline string, ratio float64) {
	l.Helper()
	l.Logf("%s", m.Row(what, scrim, baseline, ratio))
}

// Load is the 1-minute load average, or -1 where /proc/loadavg cannot be read.
func Load() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	x, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return x
}
