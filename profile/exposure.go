package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Exposure modes. Grid time (the blurred grid on screen) is kept apart from
// revealed time (every other mode).
const (
	ModeGrid         = "grid"
	ModeReveal       = "reveal"        // grayscale reveal
	ModeRevealColour = "reveal-colour" // colour reveal
	ModeFull         = "full"          // full-size view
	ModeVideo        = "video"
)

// Modes lists every mode.
var Modes = []string{ModeGrid, ModeReveal, ModeRevealColour, ModeFull, ModeVideo}

// Revealed reports whether mode counts as revealed (not blurred-grid) time.
func Revealed(mode string) bool { return mode != ModeGrid }

func validMode(mode string) error {
	for _, m := range Modes {
		if m == mode {
			return nil
		}
	}
	return fmt.Errorf("exposure mode %q: use one of %s", mode, strings.Join(Modes, ", "))
}

// Exposure is what the UI reports when it starts showing material.
type Exposure struct {
	Case   string
	SHA256 string // "" for grid time
	Mode   string
	Start  time.Time // zero: now
}

// Event is a stored exposure.
type Event struct {
	ID       string    `json:"id"`
	Examiner string    `json:"examiner"`
	Case     string    `json:"case,omitempty"`
	SHA256   string    `json:"sha256,omitempty"`
	Mode     string    `json:"mode"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end,omitzero"`
	// DurationMS is End-Start in whole milliseconds.
	DurationMS int64     `json:"duration_ms"`
	LastBeat   time.Time `json:"last_beat,omitzero"`
	Open       bool      `json:"open,omitempty"`
	// Interrupted: the process died while it was open; End is its last heartbeat (or Start).
	Interrupted bool `json:"interrupted,omitempty"`
	// ClockSuspect: written while the clock read behind the latest time seen,
	// or ended before it started.
	ClockSuspect bool `json:"clock_suspect,omitempty"`
	// Workstation is the lab's ID of the workstation that recorded it, on
	// events read back from the lab ("" on this workstation's own).
	Workstation string `json:"workstation,omitempty"`
}

// Duration is the exposure's length at millisecond precision.
func (e Event) Duration() time.Duration { return time.Duration(e.DurationMS) * time.Millisecond }

// ErrClosed means the exposure was already ended.
var ErrClosed = errors.New("exposure already ended")

// BeginExposure records an exposure as open, on disk, before it is shown.
// It records; it does not enforce: ask CheckReveal first.
func (h *Home) BeginExposure(s *Session, e Exposure) (string, error) {
	if err := h.check(s, ""); err != nil {
		return "", fmt.Errorf("begin exposure: %w", err)
	}
	if err := validMode(e.Mode); err != nil {
		return "", err
	}
	var id string
	err := h.write(func(w *wtx) error {
		seq, err := w.nextSeq()
		if err != nil {
			return err
		}
		start := e.Start
		if start.IsZero() {
			start = w.now
		}
		id = s.Name + "/" + timeKey(start) + "/" + seqKey(seq)
		ev := Event{ID: id, Examiner: s.Name, Case: e.Case, SHA256: e.SHA256, Mode: e.Mode, Start: start, Open: true, ClockSuspect: w.suspect}
		if err := w.setJSON("x/"+id, ev); err != nil {
			return err
		}
		return w.txn.Set([]byte("xo/"+id), nil)
	})
	if err != nil {
		return "", fmt.Errorf("begin %s exposure: %w", e.Mode, err)
	}
	return id, nil
}

// Heartbeat notes that exposure id is still on screen; if the process dies,
// the exposure is closed at its last heartbeat.
func (h *Home) Heartbeat(id string) error {
	err := h.write(func(w *wtx) error {
		ev, err := openEvent(w.txn, id)
		if err != nil {
			return err
		}
		ev.LastBeat = w.now
		ev.ClockSuspect = ev.ClockSuspect || w.suspect
		return w.setJSON("x/"+id, ev)
	})
	if err != nil {
		return fmt.Errorf("heartbeat %s: %w", id, err)
	}
	return nil
}

// EndExposure closes exposure id at end (zero: now).
func (h *Home) EndExposure(id string, end time.Time) (Event, error) {
	var ev Event
	err := h.write(func(w *wtx) error {
		var err error
		if ev, err = openEvent(w.txn, id); err != nil {
			return err
		}
		if end.IsZero() {
			end = w.now
		}
		closeEvent(&ev, end, w.suspect)
		if err := w.setJSON("x/"+id, ev); err != nil {
			return err
		}
		if err := w.queue("x", id); err != nil {
			return err
		}
		return w.txn.Delete([]byte("xo/" + id))
	})
	if err != nil {
		return ev, fmt.Errorf("end exposure %s: %w", id, err)
	}
	return ev, nil
}

func closeEvent(ev *Event, end time.Time, suspect bool) {
	ev.End, ev.Open = end, false
	ev.ClockSuspect = ev.ClockSuspect || suspect
	if end.Before(ev.Start) {
		ev.ClockSuspect = true
		ev.DurationMS = 0
		return
	}
	ev.DurationMS = end.Sub(ev.Start).Milliseconds()
}

func openEvent(txn *badger.Txn, id string) (Event, error) {
	var ev Event
	found, err := getJSON(txn, "x/"+id, &ev)
	switch {
	case err != nil:
		return ev, err
	case !found:
		return ev, fmt.Errorf("exposure %s: %w", id, ErrNotFound)
	case !ev.Open:
		return ev, ErrClosed
	}
	return ev, nil
}

// closeInterrupted closes every exposure left open by a process that died,
// at its last heartbeat or else its start.
func (h *Home) closeInterrupted(w *wtx) error {
	var ids []string
	err := scan(w.txn, "xo/", "", "", func(k string, _ []byte) error {
		ids = append(ids, strings.TrimPrefix(k, "xo/"))
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		ev, err := openEvent(w.txn, id)
		if err != nil && !errors.Is(err, ErrClosed) {
			return err
		}
		if err == nil {
			end := ev.Start
			if ev.LastBeat.After(end) {
				end = ev.LastBeat
			}
			closeEvent(&ev, end, false)
			ev.Interrupted = true
			if err := w.setJSON("x/"+id, ev); err != nil {
				return err
			}
			if err := w.queue("x", id); err != nil {
				return err
			}
			if err := w.audit(ev.Examiner, "exposure-interrupted", map[string]string{
				"id": id, "mode": ev.Mode, "case": ev.Case, "sha256": ev.SHA256,
				"start": fmtTime(ev.Start), "end": fmtTime(end), "duration_ms": fmt.Sprint(ev.DurationMS),
			}); err != nil {
				return err
			}
		}
		if err := w.txn.Delete([]byte("xo/" + id)); err != nil {
			return err
		}
	}
	return nil
}

// events returns examiner's exposures that started in [from, to); "" = everyone.
func events(txn *badger.Txn, examiner string, from, to time.Time) ([]Event, error) {
	var out []Event
	fn := func(_ string, v []byte) error {
		var ev Event
		if err := json.Unmarshal(v, &ev); err != nil {
			return err
		}
		if ev.Start.Before(from) || (!to.IsZero() && !ev.Start.Before(to)) {
			return nil
		}
		out = append(out, ev)
		return nil
	}
	if examiner == "" {
		return out, scan(txn, "x/", "", "", fn)
	}
	p := "x/" + examiner + "/"
	end := ""
	if !to.IsZero() {
		end = p + timeKey(to)
	}
	return out, scan(txn, p, p+timeKey(from), end, fn)
}

// Events lists the exposures of examiner ("" = everyone) that started in
// [from, to) (zero to = no end), in key order.
func (h *Home) Events(examiner string, from, to time.Time) ([]Event, error) {
	r, online, err := h.records(examiner, from, to)
	if err == nil && !online {
		_, lerr := h.health.state()
		err = fmt.Errorf("the lab does not answer, so every workstation's exposures cannot be read: %w", lerr)
	}
	if err != nil {
		return nil, fmt.Errorf("read exposures: %w", err)
	}
	return r.Events, nil
}
