package ingest

import (
	"os"
	"path/filepath"
	"testing"

	"scrim/ingest/expand"
	"scrim/store"
	"scrim/testdata/phone"
)

// TestMemberDevicePath: a member takes the device path its extraction
// gives; inside a file that has one (a ZIP on the phone) it is that path
// and its own name; elsewhere it has none.
func TestMemberDevicePath(t *testing.T) {
	onPhone := store.Occurrence{Path: "/x.ufdr » files/Archives/a.zip", DevicePath: "/sdcard/Download/a.zip"}
	for _, c := range []struct {
		parent store.Occurrence
		m      expand.Member
		want   string
	}{
		{store.Occurrence{Path: "/x.ufdr"}, expand.Member{Name: "files/Image/1.jpg", DevicePath: "/sdcard/DCIM/1.jpg"}, "/sdcard/DCIM/1.jpg"},
		{onPhone, expand.Member{Name: "b.jpg"}, "/sdcard/Download/a.zip » b.jpg"},
		{onPhone, expand.Member{Name: "data/media/0/c.jpg", DevicePath: "/data/media/0/c.jpg"}, "/data/media/0/c.jpg"},
		{store.Occurrence{Path: "/pics.zip"}, expand.Member{Name: "b.jpg"}, ""},
	} {
		if got := memberDevicePath(c.parent, c.m); got != c.want {
			t.Errorf("%q in %q: %q, want %q", c.m.Name, c.parent.Path, got, c.want)
		}
	}
}

// TestBackupManifestLater: a backup ingested without its Manifest.db (it
// came later, or was unreadable) gets its device paths when ingested again
// with it: an unchanged file whose device path changed is not skipped.
func TestBackupManifestLater(t *testing.T) {
	root := filepath.Join(t.TempDir(), "evidence")
	stored, err := phone.Backup(filepath.Join(root, "bk"), []phone.BackupFile{
		{Domain: "CameraRollDomain", RelativePath: "Media/DCIM/100APPLE/IMG_0001.JPG", Data: []byte("\xff\xd8\xff\xe0one")},
	}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(root, "bk", "Manifest.db")
	aside := filepath.Join(t.TempDir(), "Manifest.db")
	if err := os.Rename(manifest, aside); err != nil {
		t.Fatal(err)
	}
	st := openCase(t)
	ingestAll(t, st, root, Options{Workers: 2})
	if err := os.Rename(aside, manifest); err != nil {
		t.Fatal(err)
	}
	ingestAll(t, st, root, Options{Workers: 2})
	p := "/bk/" + stored["CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG"]
	found := false
	err = st.EachOccurrence("", func(o store.Occurrence) error {
		if o.Path == p {
			found = true
			if o.DevicePath != "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG" || o.SHA256 == "" {
				t.Errorf("after the manifest came: %+v", o)
			}
		}
		return nil
	})
	if err != nil || !found {
		t.Fatalf("%s not recorded: %v", p, err)
	}
	consistent(t, st)
}
