package desk

import (
	"path/filepath"
	"strings"
	"testing"

	"scrim/store"
	"scrim/ui/review"
)

// TestDetailsDevicePath: the details of a media found in a phone
// extraction name the device path first, the stored path beside it.
func TestDetailsDevicePath(t *testing.T) {
	w := &Workstation{}
	text := w.detailsText(review.Details{Occurrences: []store.Occurrence{
		{Evidence: "EX1", Path: "/bk/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28", DevicePath: "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG"},
		{Evidence: "EX1", Path: "/loose.jpg"},
	}})
	for _, want := range []string{
		"EX1  live  CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG (stored as /bk/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28)\n",
		"EX1  live  /loose.jpg\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("details lack %q:\n%s", want, text)
		}
	}
}

// TestFactsOfBackupFile: a tile of a file from an iTunes backup is named
// after the device's name, not the hashed name it is stored under.
func TestFactsOfBackupFile(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "case"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var it review.Item
	it.SHA[0] = 0xef
	o := store.Occurrence{Evidence: "ex1", Path: "/bk/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28",
		DevicePath: "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG", SHA256: it.Hex()}
	b := st.NewBatch()
	if _, err := b.Add(store.FileRecord{Occurrence: o, Media: &store.Media{SHA256: o.SHA256, Kind: "picture"}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	w := &Workstation{st: st, facts: map[[32]byte]tileFacts{}}
	if f := w.factsOf(it); f.err != nil || f.name != "IMG_0001.JPG" {
		t.Fatalf("facts %+v", f)
	}
}
