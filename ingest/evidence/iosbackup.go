package evidence

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"scrim/ingest/expand"
)

// iosBackups recognises iTunes/Finder backups of iPhones inside a folder
// evidence. A backup (iOS 10 and later) keeps each file as XX/FILEID,
// FILEID being the SHA-1 of "Domain-relativePath" and XX its first two
// digits, and lists them in Manifest.db beside those folders. Each such
// file gets its "Domain/relativePath" as device path; its stored path
// stays the place it is read from. Both walks of a folder (the count and
// the ingest) share it, so it locks.
type iosBackups struct {
	mu    sync.Mutex
	roots map[string]map[string]string // backup folder → fileID → device path; nil: no readable backup
	notes []string
}

// devicePath returns the device path of the file at slash path p inside
// the folder evidence root, or "" when it is no file of a readable backup.
func (b *iosBackups) devicePath(root, p string) string {
	// The name's length first: path.Dir cleans and copies, and this runs
	// on every file of every folder.
	if id := p[strings.LastIndexByte(p, '/')+1:]; len(id) != 40 || !isHex(id) {
		return ""
	}
	id := path.Base(p)
	dir := path.Dir(p)
	if path.Base(dir) != id[:2] {
		return ""
	}
	backup := path.Dir(dir)
	b.mu.Lock()
	defer b.mu.Unlock()
	names, seen := b.roots[backup]
	if !seen {
		names = b.open(root, backup)
		if b.roots == nil {
			b.roots = map[string]map[string]string{}
		}
		b.roots[backup] = names
	}
	return names[id]
}

// open reads the Manifest.db of the backup at slash path backup, noting
// why when it cannot; nil when there is none or it is unreadable.
func (b *iosBackups) open(root, backup string) map[string]string {
	manifest := filepath.Join(root, filepath.FromSlash(backup), "Manifest.db")
	if fi, err := os.Lstat(manifest); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	names, err := expand.BackupNames(manifest)
	switch {
	case errors.Is(err, expand.ErrEncrypted):
		b.note(fmt.Sprintf("iTunes backup %s is encrypted: file names and contents not readable without the backup password", backup))
	case err != nil:
		b.note(fmt.Sprintf("iTunes backup %s: %v; its files are shown by their stored names", backup, err))
	}
	return names
}

func (b *iosBackups) note(s string) {
	if !slices.Contains(b.notes, s) {
		b.notes = append(b.notes, s)
	}
}

// walkNotes lists what the backups found so far say.
func (b *iosBackups) walkNotes() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.notes)
}

// named wraps a folder walk's callback so each file of a backup carries
// its device path.
func (b *iosBackups) named(root string, fn func(Entry) error) func(Entry) error {
	return func(e Entry) error {
		if e.Err == nil {
			e.DevicePath = b.devicePath(root, e.Path)
		}
		return fn(e)
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// WalkNotes says which iTunes backups in the folder are encrypted or
// unreadable.
func (d *directory) WalkNotes() []string { return d.backups.walkNotes() }
