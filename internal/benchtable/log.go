package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"scrim/internal/benchrow"
)

// headerMarker starts the line `make bench` writes first in its log (see
// header.go): when and where the benchmarks ran.
const headerMarker = "BENCHLOG "

// stageMarker starts the line bench-stage.sh writes after each stage.
const stageMarker = "BENCHSTAGE "

// Log is what a `make bench` log says: its header, the rows (the last one of
// each path, in the order first seen) and the stages' timings.
type Log struct {
	Header Header
	Rows   []benchrow.Row
	Stages []string // "name: 123 s, load 2.1 → 3.4" (", failed" when it failed)
}

// Header is the BENCHLOG line: `key=value | …`.
type Header struct {
	Date    string // UTC, benchrow.TimeLayout
	Commit  string // short commit, "+dirty" with uncommitted changes
	Machine string // CPUs, CPU model, memory
}

func (h Header) String() string {
	return headerMarker + "date=" + h.Date + " | commit=" + h.Commit + " | machine=" + h.Machine
}

// ReadLog reads a log; a line that carries a marker but does not parse is
// an error naming the line, never skipped.
func ReadLog(r io.Reader, name string) (Log, error) {
	var lg Log
	index := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.Contains(line, benchrow.Marker):
			row, err := benchrow.Parse(line)
			if err != nil {
				return Log{}, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			if i, ok := index[row.Path]; ok {
				lg.Rows[i] = row // a benchmark Go called again: the last run counts
				continue
			}
			index[row.Path] = len(lg.Rows)
			lg.Rows = append(lg.Rows, row)
		case strings.HasPrefix(line, headerMarker):
			h, err := parseHeader(line)
			if err != nil {
				return Log{}, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			if lg.Header.Date != "" {
				return Log{}, fmt.Errorf("%s:%d: a second %s line: one log per run", name, n, strings.TrimSpace(headerMarker))
			}
			lg.Header = h
		case strings.HasPrefix(line, stageMarker):
			s, err := parseStage(line)
			if err != nil {
				return Log{}, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			lg.Stages = append(lg.Stages, s)
		}
	}
	if err := sc.Err(); err != nil {
		return Log{}, fmt.Errorf("%s: %w", name, err)
	}
	if lg.Header.Date == "" {
		return Log{}, fmt.Errorf("%s: no %s line (make bench writes one first: `go run ./internal/benchtable header`)", name, strings.TrimSpace(headerMarker))
	}
	return lg, nil
}

// fields splits `key=value | key=value` into values by key, in order,
// requiring exactly the keys given.
func fields(line string, marker string, keys ...string) ([]string, error) {
	parts := benchrow.Split(strings.TrimSpace(strings.TrimPrefix(line, marker)))
	if len(parts) != len(keys) {
		return nil, fmt.Errorf("%s: %d fields, want %s", strings.TrimSpace(marker), len(parts), strings.Join(keys, ", "))
	}
	vals := make([]string, len(keys))
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k != keys[i] || strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("%s: field %d is %q, want %s=…", strings.TrimSpace(marker), i+1, cut(p, 40), keys[i])
		}
		vals[i] = strings.TrimSpace(v)
	}
	return vals, nil
}

func parseHeader(line string) (Header, error) {
	v, err := fields(line, headerMarker, "date", "commit", "machine")
	if err != nil {
		return Header{}, err
	}
	if _, err := parseTime(v[0]); err != nil {
		return Header{}, fmt.Errorf("%s: date %q: want %s", strings.TrimSpace(headerMarker), cut(v[0], 40), benchrow.TimeLayout)
	}
	// The commit stands in every row's cell: a bar or a space would break it.
	if strings.ContainsFunc(v[1], func(c rune) bool { return !commitRune(c) }) {
		return Header{}, fmt.Errorf("%s: commit %q: want a short id like 1a2b3c4 or 1a2b3c4+dirty", strings.TrimSpace(headerMarker), cut(v[1], 40))
	}
	return Header{Date: v[0], Commit: v[1], Machine: v[2]}, nil
}

// commitRune is a rune git's short ids, "+dirty" and "unknown" are made of.
func commitRune(c rune) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '-' || c == '.' || c == '_'
}

func parseStage(line string) (string, error) {
	v, err := fields(line, stageMarker, "name", "seconds", "load", "status")
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("%s %s s (load %s)", v[0], v[1], v[2])
	if v[3] != "ok" {
		s += ", " + v[3]
	}
	return s, nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
