package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"
)

// writer puts files under a root, records them in a manifest and pins
// their modification times, so two generations are comparable on ingest.
type writer struct {
	root  string
	m     *Manifest
	mtime map[string]time.Time // slash path → mtime, for the directory pass
}

// newWriter creates root; an existing root must be an empty directory so a
// generation never mixes with (or clobbers) other files.
func newWriter(root string) (*writer, error) {
	entries, err := os.ReadDir(root)
	switch {
	case err == nil && len(entries) > 0:
		return nil, fmt.Errorf("demo: %s is not empty", root)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("demo: check root: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("demo: create root: %w", err)
	}
	return &writer{root: root, m: &Manifest{Root: root}, mtime: map[string]time.Time{}}, nil
}

func (w *writer) abs(rel string) string { return filepath.Join(w.root, filepath.FromSlash(rel)) }

// write stores data as f.Path with the given mtime.
func (w *writer) write(f File, data []byte, t time.Time) error {
	return w.stream(f, t, func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	})
}

// stream creates f.Path and lets fill write its content, so big files never
// sit in memory.
func (w *writer) stream(f File, t time.Time, fill func(io.Writer) error) error {
	if err := w.mkdirFor(f.Path); err != nil {
		return err
	}
	p := w.abs(f.Path)
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("demo: create %s: %w", f.Path, err)
	}
	if err := fill(out); err != nil {
		out.Close()
		return fmt.Errorf("demo: write %s: %w", f.Path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("demo: close %s: %w", f.Path, err)
	}
	return w.record(f, t)
}

// mkdirFor creates the folders a file needs.
func (w *writer) mkdirFor(rel string) error {
	if err := os.MkdirAll(filepath.Dir(w.abs(rel)), 0o755); err != nil {
		return fmt.Errorf("demo: mkdir for %s: %w", rel, err)
	}
	return nil
}

// record adds a file that is already on disk (written by write, stream or
// an external tool), taking its size from disk and setting its mtime.
func (w *writer) record(f File, t time.Time) error {
	p := w.abs(f.Path)
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("demo: stat %s: %w", f.Path, err)
	}
	if err := os.Chtimes(p, t, t); err != nil {
		return fmt.Errorf("demo: set time of %s: %w", f.Path, err)
	}
	f.Size = st.Size()
	w.m.Files = append(w.m.Files, f)
	w.mtime[f.Path] = t
	return nil
}

// finish gives every directory the newest mtime found below it (as if the
// files had been copied there last) and sorts the manifest by path.
func (w *writer) finish() (*Manifest, error) {
	dirs := map[string]time.Time{}
	for p, t := range w.mtime {
		for d := path.Dir(p); ; d = path.Dir(d) {
			if t.After(dirs[d]) {
				dirs[d] = t
			}
			if d == "." {
				break
			}
		}
	}
	for d, t := range dirs {
		if err := os.Chtimes(w.abs(d), t, t); err != nil {
			return nil, fmt.Errorf("demo: set time of dir %s: %w", d, err)
		}
	}
	sort.Slice(w.m.Files, func(i, j int) bool { return w.m.Files[i].Path < w.m.Files[j].Path })
	return w.m, nil
}
