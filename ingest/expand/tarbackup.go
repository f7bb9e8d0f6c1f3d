package expand

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// backupTopFiles are the files at the top of an iTunes/Finder backup.
var backupTopFiles = []string{"Manifest.db", "Manifest.plist", "Info.plist", "Status.plist"}

// inBackup reports whether a member name looks like a file of a backup:
// one of its top files or a hashed XX/FILEID.
func inBackup(name string) bool {
	dir, base := path.Split(name)
	if slices.Contains(backupTopFiles, base) {
		return true
	}
	if len(base) != 40 || !isLowerHex(base) {
		return false
	}
	return dir == base[:2]+"/" || strings.HasSuffix(dir, "/"+base[:2]+"/")
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// tarBackupsOf finds the backups in a TAR whose first file looks like a
// file of one (any other TAR costs one header read): a TAR cannot look
// ahead, so a first pass over its headers copies each Manifest.db and
// Manifest.plist into a private temporary folder, where they are read.
func tarBackupsOf(ctx context.Context, r io.ReaderAt, size int64) *archivedBackups {
	tr := tar.NewReader(io.NewSectionReader(r, 0, size))
	h, err := tr.Next()
	for err == nil && h.Typeflag != tar.TypeReg {
		h, err = tr.Next()
	}
	if err != nil || !inBackup(h.Name) {
		return nil
	}
	b := newArchivedBackups()
	dir, err := backupTempDir()
	if err != nil {
		b.fail("", err)
		return b
	}
	defer os.RemoveAll(dir)
	copies := map[string]string{} // prefix → its folder in dir
	for ; err == nil; h, err = tr.Next() {
		if ctx.Err() != nil {
			return nil
		}
		base := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || (base != "Manifest.db" && base != "Manifest.plist") {
			continue
		}
		prefix := strings.TrimSuffix(h.Name, base)
		if h.Size > MaxSQLiteSize {
			b.fail(prefix, fmt.Errorf("%s: %w", base, ErrSQLiteTooLarge))
			continue
		}
		sub, ok := copies[prefix]
		if !ok {
			sub = filepath.Join(dir, strconv.Itoa(len(copies)))
			if err := os.Mkdir(sub, 0o700); err != nil {
				b.fail(prefix, fmt.Errorf("temporary copy: %w", err))
				continue
			}
			copies[prefix] = sub
		}
		if err := copyOut(filepath.Join(sub, base), tr); err != nil {
			b.fail(prefix, fmt.Errorf("%s: %w", h.Name, err))
		}
	}
	for _, prefix := range slices.Sorted(maps.Keys(copies)) {
		if _, err := os.Stat(filepath.Join(copies[prefix], "Manifest.db")); err == nil {
			b.read(copies[prefix], prefix)
		}
	}
	return b
}
