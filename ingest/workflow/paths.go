package workflow

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Place is a directory Scrim writes: the case directory or the workstation's
// profile store.
type Place struct {
	What string // "case directory", "profile store"
	Path string
}

// CheckPaths refuses any place that is an evidence path, lies inside one or
// holds one, before anything is created: evidence is only ever read, and a
// case inside its own evidence would ingest its own database. Paths are
// compared absolute and with symlinks resolved; a place that does not exist
// yet is resolved through its nearest existing parent.
func CheckPaths(places []Place, evidence []string) error {
	evs := make([]string, len(evidence))
	for i, e := range evidence {
		abs, err := filepath.Abs(e)
		if err == nil {
			evs[i], err = filepath.EvalSymlinks(abs) // evidence exists
		}
		if err != nil {
			return fmt.Errorf("evidence %s: %w", e, err)
		}
	}
	for _, p := range places {
		if p.Path == "" {
			continue
		}
		pr, err := resolve(p.Path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", p.What, p.Path, err)
		}
		for i, er := range evs {
			e := evidence[i]
			switch {
			case pr == er:
				return fmt.Errorf("%s %s is the evidence %s itself: evidence is never written; choose a %s outside it", p.What, p.Path, e, p.What)
			case within(pr, er):
				return fmt.Errorf("%s %s is inside the evidence %s: evidence is never written; choose a %s outside it", p.What, p.Path, e, p.What)
			case within(er, pr):
				return fmt.Errorf("evidence %s is inside the %s %s: scrim would write beside the evidence and read its own files; choose a %s outside it", e, p.What, p.Path, p.What)
			}
		}
	}
	return nil
}

// within says whether path lies strictly below dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolve returns the absolute path with every symlink of its existing part
// evaluated; the missing rest (a case directory still to be created) is
// appended as given.
func resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	existing, rest := abs, ""
	for {
		r, err := filepath.EvalSymlinks(existing)
		if err == nil {
			return filepath.Join(r, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return abs, nil
		}
		// A dangling symlink is not a missing directory: it would be
		// followed when the place is created.
		if _, lerr := os.Lstat(existing); lerr == nil {
			return "", fmt.Errorf("%s is a symlink to a missing target", existing)
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
}
