package expand

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// archivedBackups are the iTunes/Finder backups inside a ZIP or TAR (a
// backup folder packed for transport): each Manifest.db member's folder,
// with the device path of each fileID it lists. The folder form is read by
// ingest/evidence/iosbackup.go; all go through BackupNames.
type archivedBackups struct {
	names map[string]map[string]string // folder prefix ("bk/UDID/") → fileID → device path
	note  string                       // what could not be read, said once
}

func newArchivedBackups() *archivedBackups {
	return &archivedBackups{names: map[string]map[string]string{}}
}

// backupTempDir is a private temporary folder for manifest copies, named
// like ingest's video copies so that the next run removes what a killed
// run left.
func backupTempDir() (string, error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("scrim-video-%d-backup-", os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("temporary copy: %w", err)
	}
	return dir, nil
}

// read records the backup at prefix from the Manifest.db (and the
// Manifest.plist, when there is one) copied into dir, or says why not.
func (b *archivedBackups) read(dir, prefix string) {
	names, err := BackupNames(filepath.Join(dir, "Manifest.db"))
	switch {
	case errors.Is(err, ErrEncrypted):
		b.say(fmt.Sprintf("iTunes backup %s is encrypted: file names and contents not readable without the backup password", backupLabel(prefix)))
	case err != nil:
		// The copy's temporary path means nothing to the examiner.
		b.fail(prefix, errors.New(strings.ReplaceAll(err.Error(), dir, "(copy)")))
	}
	b.names[prefix] = names
}

func (b *archivedBackups) fail(prefix string, err error) {
	b.say(fmt.Sprintf("iTunes backup %s: %v; its files are shown by their stored names", backupLabel(prefix), err))
}

func backupLabel(prefix string) string {
	if prefix == "" {
		return "at the root of the archive"
	}
	return strings.TrimSuffix(prefix, "/")
}

func (b *archivedBackups) say(s string) {
	if b.note != "" {
		b.note += "; "
	}
	b.note += s
}

// apply sets the device path of a member stored as PREFIX/XX/FILEID in a
// readable backup.
func (b *archivedBackups) apply(m *Member, stored string) {
	if b == nil {
		return
	}
	dir, id := path.Split(stored)
	if len(id) != 40 || len(dir) < 3 || dir[len(dir)-3:len(dir)-1] != id[:2] {
		return
	}
	if dev := b.names[dir[:len(dir)-3]][id]; dev != "" {
		m.DevicePath = dev
	}
}

// zipBackupsOf reads the Manifest.db members of zr, copied into a private
// temporary folder since SQLite reads files; nil when there is none.
func zipBackupsOf(zr *zip.Reader) *archivedBackups {
	var b *archivedBackups
	for _, f := range zr.File {
		if path.Base(f.Name) != "Manifest.db" {
			continue
		}
		if b == nil {
			b = newArchivedBackups()
		}
		prefix := strings.TrimSuffix(f.Name, "Manifest.db")
		if err := zipBackup(b, zr, f, prefix); err != nil {
			b.fail(prefix, err)
		}
	}
	return b
}

// zipBackup copies one backup's manifest (and Manifest.plist beside it)
// out and reads it.
func zipBackup(b *archivedBackups, zr *zip.Reader, manifest *zip.File, prefix string) error {
	if manifest.UncompressedSize64 > MaxSQLiteSize {
		return fmt.Errorf("Manifest.db: %w", ErrSQLiteTooLarge)
	}
	dir, err := backupTempDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	copyMember := func(f *zip.File, name string, max int64) error {
		if f.Flags&0x1 != 0 {
			return fmt.Errorf("%s is an encrypted ZIP member", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		defer rc.Close()
		if err := copyOut(filepath.Join(dir, name), io.LimitReader(rc, max)); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		return nil
	}
	if err := copyMember(manifest, "Manifest.db", min(MaxSQLiteSize, sideReadLimit(manifest))); err != nil {
		return err
	}
	for _, f := range zr.File {
		if f.Name == prefix+"Manifest.plist" && f.UncompressedSize64 <= 16<<20 {
			if err := copyMember(f, "Manifest.plist", 16<<20); err != nil {
				return err
			}
			break
		}
	}
	b.read(dir, prefix)
	return nil
}
