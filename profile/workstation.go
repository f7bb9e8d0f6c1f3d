package profile

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// workstationFile mirrors meta/workstation (the store's ID in the lab) as
// a plain file in the store's directory, so that a command-line run can
// name the workstation the way the desk does while the desk holds the
// store open (Badger's directory lock keeps a second process out).
const workstationFile = "workstation-id"

// WorkstationID is the ID the workstation store in dir has in the lab
// (Home.Workstation), made on first use: read from its file, else from
// the store itself, opened without a lab.
func WorkstationID(dir string) (string, error) {
	if id, err := readWorkstationFile(dir); err == nil {
		return id, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	h, err := Open(dir, Options{})
	if err != nil {
		return "", fmt.Errorf("workstation ID: %w", err)
	}
	defer h.Close()
	if err := h.workstationID(); err != nil {
		return "", err
	}
	return h.wsid, nil
}

func readWorkstationFile(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, workstationFile))
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(raw))
	if b, err := hex.DecodeString(id); err != nil || len(b) != 8 {
		return "", fmt.Errorf("workstation ID file %s: not 16 hex digits", filepath.Join(dir, workstationFile))
	}
	return id, nil
}

// writeWorkstationFile writes id to the file unless it holds it already
// (write to a temporary file and rename: a reader never sees half an ID).
func (h *Home) writeWorkstationFile(id string) error {
	if old, err := readWorkstationFile(h.dir); err == nil && old == id {
		return nil
	}
	path := filepath.Join(h.dir, workstationFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return fmt.Errorf("write workstation ID: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write workstation ID: %w", err)
	}
	return nil
}
