package store

import "testing"

func TestShownPlace(t *testing.T) {
	for _, c := range []struct{ dev, path, want string }{
		{"", "/a.jpg", "/a.jpg"},
		{"/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG", "/x.ufdr » files/Image/IMG_0001.JPG",
			"/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.JPG (stored as /x.ufdr » files/Image/IMG_0001.JPG)"},
		{"/data/media/0/a.jpg", "/data/media/0/a.jpg", "/data/media/0/a.jpg"},
	} {
		if got := (Occurrence{DevicePath: c.dev, Path: c.path}).ShownPlace(); got != c.want {
			t.Errorf("ShownPlace(%q, %q) = %q, want %q", c.dev, c.path, got, c.want)
		}
	}
}
