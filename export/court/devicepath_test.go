package court

import (
	"testing"

	"scrim/store"
)

// TestPlaceDevicePath: a place from a phone extraction carries its device
// path into the package beside the stored path it is read back from.
func TestPlaceDevicePath(t *testing.T) {
	tc := openCase(t)
	b := tc.st.NewBatch()
	stored := "/bk/3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28"
	o := tc.add(t, b, stored, noiseJPEG(t, 7, 96), noiseJPEG(t, 8, 16), store.Category{Category: "1", Source: "examiner:alice"})
	o.DevicePath = "CameraRollDomain/Media/DCIM/100APPLE/IMG_0001.JPG"
	if _, err := b.Add(store.FileRecord{Occurrence: o}); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	p, _ := writeBundle(t, tc, WriteOptions{})
	media := mustOpen(t, p).Media()
	if len(media) != 1 || len(media[0].Places) != 1 {
		t.Fatalf("media %+v", media)
	}
	if pl := media[0].Places[0]; pl.Path != stored || pl.DevicePath != o.DevicePath {
		t.Fatalf("place %+v", pl)
	}
	if got := store.ShownPath(media[0].Places[0].DevicePath, stored); got != o.DevicePath+" (stored as "+stored+")" {
		t.Fatalf("shown %q", got)
	}
}
