package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// labURLFile mirrors meta/lab_url (the lab URL a supervisor saved in the
// workstation's settings) as a plain file in the store's directory, so
// that a command-line run on this workstation uses the same lab while the
// desk holds the store open (Badger's directory lock keeps a second
// process out). It is readable by the owner only, like the store.
const labURLFile = "lab-url"

// SavedLabURL is the lab URL saved in the settings of the workstation
// store in dir ("" = none): read from its file, else from the store
// itself, opened without a lab. A folder that holds no store yet has none
// (nothing is created).
func SavedLabURL(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, labURLFile))
	if err == nil {
		return strings.TrimSpace(string(raw)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("saved lab URL: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST")); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	h, err := Open(dir, Options{})
	if err != nil {
		return "", fmt.Errorf("saved lab URL: %w", err)
	}
	defer h.Close()
	u, err := h.LabURL()
	if err != nil {
		return "", err
	}
	return u, h.writeLabURLFile(u)
}

// writeLabURLFile writes u to the file unless it holds it already (write
// to a temporary file and rename: a reader never sees half a URL).
func (h *Home) writeLabURLFile(u string) error {
	path := filepath.Join(h.dir, labURLFile)
	if old, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(old)) == u {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(u+"\n"), 0o600); err != nil {
		return fmt.Errorf("write saved lab URL: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write saved lab URL: %w", err)
	}
	return nil
}
