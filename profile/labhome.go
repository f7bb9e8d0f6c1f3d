package profile

import (
	"fmt"
	"net/url"
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
func (h *Home) SetLabURL(s *Session, raw string) error {
	if err := h.check(s, RoleSupervisor); err != nil {
		return fmt.Errorf("set lab: %w", err)
	}
	raw = strings.TrimSpace(raw)
	err := h.write(func(w *wtx) error {
		if err := w.setJSON(keyLabURL, raw); err != nil {
			return err
		}
		return w.audit(s.Name, "lab-change", map[string]string{"lab": RedactURL(raw)})
	})
	if err != nil {
		return fmt.Errorf("set lab: %w", err)
	}
	if err := h.writeLabURLFile(raw); err != nil {
		return fmt.Errorf("set lab: %w", err)
	}
	return nil
}

// RedactURL hides a PostgreSQL URL's (or key=value string's) password.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		var parts []string
		for _, f := range strings.Fields(raw) {
			if strings.HasPrefix(strings.ToLower(f), "password=") {
				f = "password=xxxxx"
			}
			parts = append(parts, f)
		}
		return strings.Join(parts, " ")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
