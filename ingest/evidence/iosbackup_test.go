package evidence

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"scrim/testdata/phone"
)

// TestIOSBackupDevicePaths: a folder holding an iTunes/Finder backup lists
// each backed-up file under its stored hashed path with its
// "Domain/relativePath" from Manifest.db as device path; a stored file the
// manifest does not list, and files outside the backup, get none.
func TestIOSBackupDevicePaths(t *testing.T) {
	root := t.TempDir()
	backup := filepath.Join(root, "Backup", "00008101-000A1B2C3D4E5F60")
	stored, err := phone.Backup(backup, []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0001.JPG", Data: []byte("\xff\xd8\xff\xe0one")},
		{Domain: "AppDomain-net.whatsapp.WhatsApp", RelativePath: "Library/Media/x.jpg", Data: []byte("\xff\xd8\xff\xe0two")},
	}, []phone.BackupFile{{Domain: "HomeDomain", RelativePath: "Library/unlisted.jpg", Data: []byte("three")}}, false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "notes.txt"), "n")
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range collect(t, src) {
		got[e.Path] = e.DevicePath
	}
	pre := "/Backup/00008101-000A1B2C3D4E5F60/"
	want := map[string]string{
		pre + stored["CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG"]:   "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG",
		pre + stored["AppDomain-net.whatsapp.WhatsApp/Library/Media/x.jpg"]: "AppDomain-net.whatsapp.WhatsApp/Library/Media/x.jpg",
		pre + stored["HomeDomain/Library/unlisted.jpg"]:                     "",
		pre + "Manifest.db": "",
		"/notes.txt":        "",
	}
	for p, dev := range want {
		if d, ok := got[p]; !ok || d != dev {
			t.Errorf("%s: device path %q (listed %v), want %q", p, d, ok, dev)
		}
	}
	if n := src.(WalkNoter).WalkNotes(); len(n) != 0 {
		t.Errorf("notes on a readable backup: %q", n)
	}

	// The backup folder itself handed in as the evidence.
	src, err = Open(backup)
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, e := range collect(t, src) {
		got[e.Path] = e.DevicePath
	}
	if p := "/" + stored["CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG"]; got[p] != "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG" {
		t.Errorf("backup as the evidence: %s: %q", p, got[p])
	}
}

// TestIOSBackupEncrypted: an encrypted backup is named as such in one note
// and its hashed files are still listed, without device paths; two walks
// at once (the count and the ingest) say it once.
func TestIOSBackupEncrypted(t *testing.T) {
	root := t.TempDir()
	stored, err := phone.Backup(filepath.Join(root, "bk"), []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0001.JPG", Data: []byte("one")},
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0002.JPG", Data: []byte("two")},
	}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	lists := make([][]Entry, 2)
	for i := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src.Walk(context.Background(), func(e Entry) error { lists[i] = append(lists[i], e); return nil })
		}()
	}
	wg.Wait()
	for _, l := range lists {
		seen := 0
		for _, e := range l {
			if e.DevicePath != "" {
				t.Errorf("%s: device path %q in an encrypted backup", e.Path, e.DevicePath)
			}
			for _, s := range stored {
				if e.Path == "/bk/"+s {
					seen++
				}
			}
		}
		if seen != 2 {
			t.Errorf("hashed files listed: %d of 2", seen)
		}
	}
	notes := src.(WalkNoter).WalkNotes()
	if len(notes) != 1 || !strings.Contains(notes[0], "iTunes backup /bk is encrypted: file names and contents not readable without the backup password") {
		t.Fatalf("notes %q", notes)
	}
}
