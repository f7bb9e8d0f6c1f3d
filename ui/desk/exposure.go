package desk

import (
	"time"

	"scrim/profile"
)

// exposureLog is where reveals are allowed and recorded: the workstation's
// profile store for a signed-in examiner, or a court package's own record
// for a judge's viewing.
type exposureLog interface {
	CheckReveal(mode string) (profile.Decision, error)
	Begin(e profile.Exposure) (string, error)
	End(id string, end time.Time) (profile.Event, error)
	// Heartbeat marks an open exposure as still running, so a crash loses
	// at most a second of it.
	Heartbeat(id string) error
}

// homeLog records into the profile store under the signed-in session.
type homeLog struct {
	h *profile.Home
	s *profile.Session
}

func (l homeLog) CheckReveal(mode string) (profile.Decision, error) {
	return l.h.CheckReveal(l.s, mode)
}
func (l homeLog) Begin(e profile.Exposure) (string, error) { return l.h.BeginExposure(l.s, e) }
func (l homeLog) End(id string, end time.Time) (profile.Event, error) {
	return l.h.EndExposure(id, end)
}

func (l homeLog) Heartbeat(id string) error { return l.h.Heartbeat(id) }

func (w *Workstation) exposures() exposureLog {
	if w.court != nil {
		return w.court
	}
	return homeLog{w.opt.Home, w.session}
}
