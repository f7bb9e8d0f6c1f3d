// Package buildinfo says which build of Scrim is running: the version and git
// commit the Makefile links in (-ldflags -X), or, for a plain `go build`, the
// VCS stamp Go records in the binary. Reports, court packages and the audit
// log carry it so a result can be traced to the exact tool that made it.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Set by the Makefile at link time, never at run time:
//
//	-X scrim/buildinfo.version=$(git describe --always --dirty)
//	-X scrim/buildinfo.commit=$(git rev-parse HEAD)
//	-X scrim/buildinfo.modified=true|false
var (
	version  string
	commit   string
	modified string
)

// Info identifies a build.
type Info struct {
	Version  string `json:"version"`  // "dev" when unknown
	Commit   string `json:"commit"`   // full git commit, "unknown" when not recorded
	Modified bool   `json:"modified"` // built from a tree with uncommitted changes
}

// Get returns this binary's identity.
func Get() Info {
	var settings []debug.BuildSetting
	mainVersion := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		settings, mainVersion = bi.Settings, bi.Main.Version
	}
	return resolve(version, commit, modified, mainVersion, settings)
}

// resolve prefers the linked-in values, then Go's VCS stamp, then "dev" and
// "unknown".
func resolve(version, commit, modified, mainVersion string, settings []debug.BuildSetting) Info {
	in := Info{Version: version, Commit: commit, Modified: modified == "true"}
	vcs := map[string]string{}
	for _, s := range settings {
		vcs[s.Key] = s.Value
	}
	if in.Commit == "" {
		in.Commit = vcs["vcs.revision"]
		if modified == "" {
			in.Modified = vcs["vcs.modified"] == "true"
		}
	}
	if in.Version == "" && mainVersion != "" && mainVersion != "(devel)" {
		in.Version = mainVersion
	}
	if in.Version == "" {
		in.Version = "dev"
	}
	if in.Commit == "" {
		in.Commit = "unknown"
	}
	// git describe --dirty already says so; do not say it twice.
	in.Version = strings.TrimSuffix(in.Version, "-dirty")
	return in
}

// String is the one-line identity, e.g. "v1.2-3-gabc1234 (commit abc1234…, modified)".
func (i Info) String() string {
	s := i.Version + " (commit " + i.Commit
	if i.Modified {
		s += ", modified"
	}
	return s + ")"
}

// Tool names the generator in reports, court packages and audit entries.
func (i Info) Tool() string { return "scrim " + i.String() }
