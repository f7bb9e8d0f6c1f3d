package expand

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// iosBackup lays out an iTunes/Finder backup folder: Manifest.db with its
// Files table, a Manifest.plist, and one stored file under XX/FILEID.
func iosBackup(t *testing.T, plist string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "00008030-001A2B3C4D5E6F70")
	if err := os.MkdirAll(filepath.Join(dir, "3d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeSQLite(t, filepath.Join(dir, "Manifest.db"),
		`CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)`,
		`INSERT INTO Files VALUES ('3d0d7e5fb2ce288813306e4d4636395e047a3d28', 'CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG', 1, x'00')`,
		`INSERT INTO Files VALUES ('12b144c0bd44f2b3dffd9186d3f9c05b917cee25', 'HomeDomain', 'Library/SMS/sms.db', 1, NULL)`,
		`INSERT INTO Files VALUES ('aa00000000000000000000000000000000000000', 'CameraRollDomain', 'Media/DCIM', 2, NULL)`,
	)
	if err := os.WriteFile(filepath.Join(dir, "3d", "3d0d7e5fb2ce288813306e4d4636395e047a3d28"), sqlitePicture(t, false, 9), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Manifest.plist"), []byte(plist), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const manifestPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>Applications</key><dict><key>com.example</key><dict><key>IsEncrypted</key><true/></dict></dict>
<key>IsEncrypted</key><%s/>
<key>Version</key><string>10.0</string>
</dict></plist>`

func TestBackupNames(t *testing.T) {
	dir := iosBackup(t, strings.Replace(manifestPlist, "%s", "false", 1))
	before := listTree(t, dir)
	names, err := BackupNames(filepath.Join(dir, "Manifest.db"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"3d0d7e5fb2ce288813306e4d4636395e047a3d28": "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG",
		"12b144c0bd44f2b3dffd9186d3f9c05b917cee25": "HomeDomain/Library/SMS/sms.db",
		"aa00000000000000000000000000000000000000": "CameraRollDomain/Media/DCIM",
	}
	if len(names) != len(want) {
		t.Errorf("names %v, want %v", names, want)
	}
	for id, n := range want {
		if names[id] != n {
			t.Errorf("%s = %q, want %q", id, names[id], n)
		}
	}
	if after := listTree(t, dir); after != before {
		t.Errorf("backup folder changed by reading it:\nbefore %s\nafter  %s", before, after)
	}
}

func TestBackupNamesEncrypted(t *testing.T) {
	t.Run("plist", func(t *testing.T) {
		dir := iosBackup(t, strings.Replace(manifestPlist, "%s", "true", 1))
		_, err := BackupNames(filepath.Join(dir, "Manifest.db"))
		if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("err = %v, want encrypted naming %s", err, dir)
		}
	})
	t.Run("manifest not sqlite", func(t *testing.T) {
		dir := iosBackup(t, "bplist00") // a binary plist is not decoded
		db := filepath.Join(dir, "Manifest.db")
		if err := os.WriteFile(db, []byte(strings.Repeat("\x8f\x13encrypted?", 400)), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := BackupNames(db)
		if !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("err = %v, want encrypted naming %s", err, dir)
		}
	})
	t.Run("no Files table", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "Manifest.db")
		writeSQLite(t, db, `CREATE TABLE Other (x)`)
		if _, err := BackupNames(db); err == nil || !strings.Contains(err.Error(), "Files") {
			t.Fatalf("err = %v, want one about the Files table", err)
		}
	})
}

// listTree names every file in dir with its size and modification time.
func listTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %s\n", p, fi.Size(), fi.ModTime())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
