package workflow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckPaths(t *testing.T) {
	root := t.TempDir()
	ev := filepath.Join(root, "ev")
	img := filepath.Join(root, "cases", "disk.E01")
	for _, d := range []string{filepath.Join(ev, "sub"), filepath.Join(root, "cases"), filepath.Join(root, "other")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(img, []byte("image"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustLink := func(target, link string) string {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		return link
	}
	evLink := mustLink(ev, filepath.Join(root, "ev-link"))
	casesLink := mustLink(filepath.Join(root, "cases"), filepath.Join(root, "other", "cases-link"))
	dangling := mustLink(filepath.Join(ev, "gone"), filepath.Join(root, "dangling"))
	t.Chdir(root)

	for _, c := range []struct {
		place, evidence string
		want            string // "" accepted
	}{
		{filepath.Join(root, "case"), ev, ""},
		{filepath.Join(root, "new", "deep", "case"), ev, ""},
		{filepath.Join(root, "ev2"), ev, ""}, // a shared name prefix is not containment
		{ev, ev, "is the evidence"},
		{"ev", ev, "is the evidence"}, // relative
		{filepath.Join(ev, "case"), ev, "is inside the evidence"},
		{filepath.Join(ev, "sub", "x", "y"), ev, "is inside the evidence"},
		{filepath.Join(ev, "sub", "..", "case"), ev, "is inside the evidence"},
		{root, ev, "evidence " + ev + " is inside"},
		{filepath.Join(root, "cases"), img, "is inside the case directory"},
		{filepath.Join(evLink, "case"), ev, "is inside the evidence"},
		{filepath.Join(root, "case"), filepath.Join(evLink, "sub"), ""},
		{filepath.Join(ev, "case"), evLink, "is inside the evidence"},
		{casesLink, img, "is inside the case directory"},
		{filepath.Join(dangling, "case"), filepath.Join(root, "other"), "symlink to a missing target"},
		{"", ev, ""}, // no place given: nothing to check
	} {
		err := CheckPaths([]Place{{What: "case directory", Path: c.place}}, []string{c.evidence})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("case %q, evidence %q refused: %v", c.place, c.evidence, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("case %q, evidence %q: got %v, want %q", c.place, c.evidence, err, c.want)
		case err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), c.place)):
			t.Errorf("error %q is not one line naming %q", err, c.place)
		}
	}
	if err := CheckPaths(nil, []string{filepath.Join(root, "missing")}); err == nil {
		t.Error("a missing evidence path was accepted")
	}
}
