package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"scrim/testdata/demo"
)

// killPictures are the pictures the kill-and-resume tests ingest, made
// once per test binary: generating them costs more than the ingests
// themselves. cam holds 200 pictures at 1600x1200 (at 800x600 a quiet
// machine finished an archive's expansion before a kill could land inside
// it), sub 20 at 800x600.
var killPictures struct {
	once sync.Once
	dir  string
	err  error
}

// sharedKillPictures returns the folder holding cam/ and sub/. It lives
// beside the test binary's scrim (removed by TestMain); tests link what
// they need into their own evidence and never write into it.
func sharedKillPictures(t *testing.T) string {
	t.Helper()
	killPictures.once.Do(func() {
		dir := filepath.Join(filepath.Dir(scrimBin), "kill-pictures")
		if _, err := demo.GenerateJPEGs(filepath.Join(dir, "cam"), 200, 1600, 1200, 90, 19); err != nil {
			killPictures.err = err
			return
		}
		if _, err := demo.GenerateJPEGs(filepath.Join(dir, "sub"), 20, 800, 600, 90, 23); err != nil {
			killPictures.err = err
			return
		}
		killPictures.dir = dir
	})
	if killPictures.err != nil {
		t.Fatalf("kill-test pictures: %v", killPictures.err)
	}
	return killPictures.dir
}

// linkPictures hard-links the first n files of from (by name; n < 0: all)
// into the new folder to, which gets from's modification time, so the
// evidence is what generating the pictures there would have made.
func linkPictures(t *testing.T, from, to string, n int) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if n >= 0 {
		if n > len(names) {
			t.Fatalf("%s has %d pictures, %d asked for", from, len(names), n)
		}
		names = names[:n]
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := os.Link(filepath.Join(from, name), filepath.Join(to, name)); err != nil {
			t.Fatal(fmt.Errorf("link a kill-test picture: %w", err))
		}
	}
	fi, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(to, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}
