#!/usr/bin/env bash
# fuzzbuild.sh BINDIR PKG — builds PKG's fuzz-instrumented test binary into
# BINDIR (what `go test -fuzz` builds, and links again, for every one of its
# targets) unless it is there already; fuzzone.sh runs the package's targets
# from it.
set -uo pipefail
bins=$1 pkg=$2
bin=$bins/${pkg//\//_}.test
[ -x "$bin" ] && exit 0
# -s -w: no symbol table or DWARF, as `go test` links the binaries it runs
# itself (a third faster to link, 40 % smaller).
if ! out=$(${GO:-go} test -c -fuzz . -ldflags "-s -w" -o "$bin" "./$pkg" 2>&1); then
	echo "fuzz build of $pkg failed:"
	echo "$out"
	exit 1
fi
