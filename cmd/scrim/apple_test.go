package main

import (
	"path/filepath"
	"strings"
	"testing"

	"scrim/ingest/fsys/fsystest"
)

// TestAppleMedia ingests the HFS+ volume, the zlib DMG holding one and the
// APFS container that were made on macOS: the files' digests are the ones
// the fixtures' README gives, at the paths TSK lists (under the volume's
// name for APFS), with the resource fork as a place of its own.
func TestAppleMedia(t *testing.T) {
	want := map[string]string{
		"/passwords.txt":            "39cb097008d17660abd0539891a672af",
		"/a_directory/a_file":       "85bebf486af24792085f769afa46717d",
		"/a_directory/another_file": "d54ff73404ed6041a3bd66850b061bff",
	}
	for _, c := range []struct{ fixture, format, fs, prefix string }{
		{"hfsplus.raw", "raw", "hfsplus", ""},
		{"hfsplus_zlib.dmg", "dmg", "hfsplus", ""},
		{"apfs.raw", "raw", "apfs", "/apfs_test"},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			caseDir := filepath.Join(t.TempDir(), "case")
			mustScrim(t, "ingest", "--case", caseDir, fsystest.SharedFixture(t, c.fixture))
			got := map[string]string{}
			var rsrc bool
			for _, r := range readRows(t, caseDir) {
				if r.FS != c.fs {
					continue
				}
				p := strings.TrimPrefix(r.Path, c.prefix)
				got[p] = r.MD5
				rsrc = rsrc || p == "/a_directory/a_resourcefork:rsrc"
			}
			for p, md5 := range want {
				if got[p] != md5 {
					t.Errorf("%s: md5 %q, want %s (found: %v)", p, got[p], md5, got)
				}
			}
			if !rsrc {
				t.Errorf("no resource fork place among %v", got)
			}
			if ev := readStats(t, caseDir).Evidence[0]; ev.Format != c.format || ev.Errors != 0 {
				t.Errorf("format %q with %d errors, want %q with none", ev.Format, ev.Errors, c.format)
			}
		})
	}
}
