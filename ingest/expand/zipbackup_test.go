package expand

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"scrim/testdata/phone"
)

// TestArchivedBackups: an iTunes backup zipped by zip or packed by tar
// gives its hashed members their Domain/relativePath from Manifest.db; an
// encrypted one beside it is named once, its members listed without
// device paths.
func TestArchivedBackups(t *testing.T) {
	dir := t.TempDir()
	stored, err := phone.Backup(filepath.Join(dir, "Backup", "00008101-000A1B2C3D4E5F60"), []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0001.JPG", Data: sqlitePicture(t, false, 6)},
	}, []phone.BackupFile{{Domain: "HomeDomain", RelativePath: "Library/unlisted.jpg", Data: []byte("x")}}, false)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := phone.Backup(filepath.Join(dir, "Backup", "00008030-0011223344556677"), []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0002.JPG", Data: []byte("y")},
	}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	tool(t, dir, "zip", "-q", "-r", "backups.zip", "Backup")
	tool(t, dir, "tar", "-cf", "backups.tar", "Backup")
	for _, c := range []struct {
		file string
		f    Format
	}{{"backups.zip", zipFormat{}}, {"backups.tar", tarFormat{}}} {
		t.Run(c.file, func(t *testing.T) { checkArchivedBackups(t, filepath.Join(dir, c.file), c.f, stored, enc) })
	}
}

func checkArchivedBackups(t *testing.T, file string, f Format, stored, enc map[string]string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	got := map[string]string{}
	err = f.Walk(t.Context(), bytes.NewReader(b), int64(len(b)), func(m Member) error {
		if m.Note != "" {
			notes = append(notes, m.Note)
		}
		got[m.Name] = m.DevicePath
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pre := "Backup/00008101-000A1B2C3D4E5F60/"
	for name, dev := range map[string]string{
		pre + stored["CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG"]: "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG",
		pre + stored["HomeDomain/Library/unlisted.jpg"]:                   "",
		pre + "Manifest.db": "",
		"Backup/00008030-0011223344556677/" + enc["CameraRollDomain/Media/DCIM/100APPLE/IMG_0002.JPG"]: "",
	} {
		if d, ok := got[name]; !ok || d != dev {
			t.Errorf("%s: device path %q (listed %v), want %q", name, d, ok, dev)
		}
	}
	if len(notes) != 1 || notes[0] != "iTunes backup Backup/00008030-0011223344556677 is encrypted: file names and contents not readable without the backup password" {
		t.Fatalf("notes %q", notes)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "scrim-video-*-backup-*")); len(left) != 0 {
		t.Errorf("temporary copies left: %v", left)
	}
}
