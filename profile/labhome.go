package profile

import (
	"fmt"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
)

const keyLabURL = "meta/lab_url"

// LabURL is the lab URL saved in the workstation's settings ("" = none).
func (h *Home) LabURL() (string, error) {
	var u string
	err := h.view(func(txn *badger.Txn) error {
		_, err := getJSON(txn, keyLabURL, &u)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("workstation settings: %w", err)
	}
	return u, nil
}

// SetLabURL saves the lab URL in the workstation's settings ("" = no lab);
// it applies from the next start. Pointing a workstation at another server
// is a supervisor's act, and audited (without the URL's password).
func (h *Home) SetLabURL(s *Session, url string, redacted string) error {
	if err := h.check(s, RoleSupervisor); err != nil {
		return fmt.Errorf("set lab: %w", err)
	}
	url = strings.TrimSpace(url)
	err := h.write(func(w *wtx) error {
		if err := w.setJSON(keyLabURL, url); err != nil {
			return err
		}
		return w.audit(s.Name, "lab-change", map[string]string{"lab": redacted})
	})
	if err != nil {
		return fmt.Errorf("set lab: %w", err)
	}
	return nil
}
