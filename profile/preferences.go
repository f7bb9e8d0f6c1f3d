package profile

import (
	"fmt"
	"path/filepath"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// Preferences are one examiner's own settings at this workstation,
// remembered from one session to the next.
type Preferences struct {
	// TileFacts shows file facts under the tiles (when the policy allows
	// them). Off by default: file names can be distressing too.
	TileFacts bool `json:"tile_facts"`
}

func keyPreferences(name string) string { return "p/" + name }

// Preferences reads the signed-in examiner's preferences (the defaults when
// none were saved).
func (h *Home) Preferences(s *Session) (Preferences, error) {
	var p Preferences
	if err := h.check(s, ""); err != nil {
		return p, fmt.Errorf("preferences: %w", err)
	}
	err := h.view(func(txn *badger.Txn) error {
		_, err := getJSON(txn, keyPreferences(s.Name), &p)
		return err
	})
	if err != nil {
		return p, fmt.Errorf("preferences of %s: %w", s.Name, err)
	}
	return p, nil
}

// SetPreferences saves the signed-in examiner's preferences.
func (h *Home) SetPreferences(s *Session, p Preferences) error {
	if err := h.check(s, ""); err != nil {
		return fmt.Errorf("save preferences: %w", err)
	}
	err := h.write(func(w *wtx) error { return w.setJSON(keyPreferences(s.Name), p) })
	if err != nil {
		return fmt.Errorf("save preferences of %s: %w", s.Name, err)
	}
	return nil
}

// RecentCase is a case opened at this workstation.
type RecentCase struct {
	Dir    string    `json:"dir"` // absolute
	By     string    `json:"by"`  // who opened it last
	Opened time.Time `json:"opened"`
}

// MaxRecentCases bounds the recent-cases list.
const MaxRecentCases = 8

const keyRecent = "meta/recent"

// CaseOpened puts dir first in the workstation's recent cases, so whoever
// signs in next (the same examiner, or a supervisor taking over) reopens
// it in one step.
func (h *Home) CaseOpened(s *Session, dir string) error {
	if err := h.check(s, ""); err != nil {
		return fmt.Errorf("recent cases: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("recent cases: %s: %w", dir, err)
	}
	err = h.write(func(w *wtx) error {
		var old []RecentCase
		if _, err := getJSON(w.txn, keyRecent, &old); err != nil {
			return err
		}
		list := []RecentCase{{Dir: abs, By: s.Name, Opened: w.now}}
		for _, c := range old {
			if c.Dir != abs && len(list) < MaxRecentCases {
				list = append(list, c)
			}
		}
		return w.setJSON(keyRecent, list)
	})
	if err != nil {
		return fmt.Errorf("recent cases: %w", err)
	}
	return nil
}

// RecentCases lists the cases opened at this workstation, latest first.
func (h *Home) RecentCases() ([]RecentCase, error) {
	var list []RecentCase
	err := h.view(func(txn *badger.Txn) error {
		_, err := getJSON(txn, keyRecent, &list)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recent cases: %w", err)
	}
	return list, nil
}
