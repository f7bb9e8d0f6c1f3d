package buildinfo

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolvePrefersLinkedValuesThenVCSStamp(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "feedface"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		name                      string
		version, commit, modified string
		mainVersion               string
		settings                  []debug.BuildSetting
		want                      Info
	}{
		{"linked", "v1.2-3-gabc-dirty", "abc123", "true", "(devel)", vcs, Info{"v1.2-3-gabc", "abc123", true}},
		{"linked clean", "v1.2", "abc123", "false", "", vcs, Info{"v1.2", "abc123", false}},
		{"vcs stamp", "", "", "", "(devel)", vcs, Info{"dev", "feedface", true}},
		{"module version", "", "", "", "v0.9.0", nil, Info{"v0.9.0", "unknown", false}},
		{"nothing", "", "", "", "", nil, Info{"dev", "unknown", false}},
	} {
		got := resolve(c.version, c.commit, c.modified, c.mainVersion, c.settings)
		if got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if s := (Info{"v1", "abc", true}).Tool(); s != "scrim v1 (commit abc, modified)" {
		t.Errorf("Tool() = %q", s)
	}
}

// TestLinkerFlagsReachTheBinary builds a real program with the Makefile's
// -ldflags -X and runs it.
func TestLinkerFlagsReachTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	main := filepath.Join(dir, "main.go")
	if err := os.WriteFile(main, []byte("package main\n\nimport (\"fmt\"; \"scrim/buildinfo\")\n\nfunc main() { fmt.Print(buildinfo.Get().Tool()) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "who")
	ld := "-X scrim/buildinfo.version=v9.9-1-gdeadbee-dirty -X scrim/buildinfo.commit=deadbeef -X scrim/buildinfo.modified=true"
	if out, err := exec.Command("go", "build", "-ldflags", ld, "-o", bin, main).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "scrim v9.9-1-gdeadbee (commit deadbeef, modified)" {
		t.Fatalf("binary says %q", got)
	}
}
