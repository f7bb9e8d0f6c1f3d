package hashlib

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"scrim/store"
)

// The manifest names every set and its runs. It is replaced whole by
// rename, so a reader sees the library before or after an import or a
// removal, never half of one; a run file the manifest does not name is
// not part of the library.
const (
	manifestName    = "manifest.json"
	manifestFormat  = 1
	maxManifestSize = 64 << 20
	maxCategories   = 1 << 16
)

// Manifest is the library's table of contents.
type Manifest struct {
	Format int    `json:"format"`
	NextID uint32 `json:"next_id"`
	Sets   []Set  `json:"sets"`
}

// Set is one imported hash set: its provenance, the scheme its categories
// are codes of, and its runs.
type Set struct {
	ID uint32 `json:"id"`
	// Scheme is the category scheme the set was mapped into at import;
	// cases of another scheme do not take its categories.
	Scheme string `json:"scheme"`
	// Categories are the scheme codes the records' category indexes name.
	Categories []string      `json:"categories"`
	HashSet    store.HashSet `json:"hashset"` // provenance, as a case records it
	Runs       []RunFile     `json:"runs"`
}

// RunFile is one run of a set.
type RunFile struct {
	File    string `json:"file"` // base name inside the library folder
	Algo    string `json:"algo"`
	Records int64  `json:"records"`
}

// Entries is the number of digests the set's runs hold.
func (s Set) Entries() int64 {
	var n int64
	for _, r := range s.Runs {
		n += r.Records
	}
	return n
}

// ParseManifest decodes and checks a manifest.
func ParseManifest(b []byte) (Manifest, error) {
	var m Manifest
	if len(b) > maxManifestSize {
		return m, fmt.Errorf("manifest of %d bytes is larger than %d", len(b), maxManifestSize)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest is not valid JSON: %w", err)
	}
	if m.Format != manifestFormat {
		return m, fmt.Errorf("manifest format %d; this scrim reads format %d", m.Format, manifestFormat)
	}
	ids, names, files := map[uint32]bool{}, map[string]bool{}, map[string]bool{}
	for i, s := range m.Sets {
		where := fmt.Sprintf("set %d (%q)", i, s.HashSet.Name)
		switch {
		case s.HashSet.Name == "":
			return m, fmt.Errorf("%s has no name", where)
		case names[s.HashSet.Name]:
			return m, fmt.Errorf("%s: name listed twice", where)
		case ids[s.ID]:
			return m, fmt.Errorf("%s: ID %d listed twice", where, s.ID)
		case s.ID >= m.NextID:
			return m, fmt.Errorf("%s: ID %d is not below next_id %d", where, s.ID, m.NextID)
		case s.Scheme == "":
			return m, fmt.Errorf("%s has no scheme", where)
		case len(s.Categories) > maxCategories:
			return m, fmt.Errorf("%s has %d categories, more than %d", where, len(s.Categories), maxCategories)
		}
		ids[s.ID], names[s.HashSet.Name] = true, true
		for _, r := range s.Runs {
			if _, ok := algoLen[r.Algo]; !ok {
				return m, fmt.Errorf("%s: run %q has unknown algorithm %q", where, r.File, r.Algo)
			}
			if !validRunName(r.File) {
				return m, fmt.Errorf("%s: run file name %q is not a run of this library", where, r.File)
			}
			if files[r.File] {
				return m, fmt.Errorf("%s: run %q listed twice", where, r.File)
			}
			if r.Records < 0 {
				return m, fmt.Errorf("%s: run %q has %d records", where, r.File, r.Records)
			}
			files[r.File] = true
		}
	}
	return m, nil
}

// validRunName accepts only the names this package writes: no path may
// lead out of the library folder.
func validRunName(name string) bool {
	return strings.HasPrefix(name, "run-") && strings.HasSuffix(name, ".bin") &&
		filepath.Base(name) == name && !strings.ContainsAny(name, `/\`) && name != "." && name != ".."
}

// readManifest reads dir's manifest; a library never written is empty.
func readManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{Format: manifestFormat, NextID: 1}, nil
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("hash library %s: %w", dir, err)
	}
	m, err := ParseManifest(b)
	if err != nil {
		return m, fmt.Errorf("hash library %s: %s: %w", dir, manifestName, err)
	}
	return m, nil
}

// writeManifest replaces dir's manifest crash-safely: temp file, fsync,
// rename, fsync of the folder.
func writeManifest(dir string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestName+".tmp")
	if err := writeSync(tmp, b); err != nil {
		return fmt.Errorf("hash library %s: write manifest: %w", dir, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, manifestName)); err != nil {
		return fmt.Errorf("hash library %s: replace manifest: %w", dir, err)
	}
	return syncDir(dir)
}

func writeSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("hash library %s: sync folder: %w", dir, err)
	}
	return nil
}
