#!/usr/bin/env bash
# fuzzone.sh FUZZTIME PKG:FUZZFUNC — one short fuzz run for make fuzz-run,
# which runs two at a time (each with one fuzzing worker), so the two
# cores fuzz while the next targets link.
set -uo pipefail
fuzztime=$1 target=$2
pkg=${target%%:*} fn=${target##*:}
corpus=$pkg/testdata/fuzz/$fn
log=$(mktemp "${TMPDIR:-/tmp}/scrim-fuzz-$fn.XXXXXX")
trap 'rm -f "$log"' EXIT
run() { ${GO:-go} test -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime" -fuzzminimizetime 1x -parallel 1 "./$pkg" >"$log" 2>&1; }
echo "fuzz $pkg $fn $fuzztime"
before=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
run && exit 0
after=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
# Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a
# failure without writing an input (golang/go#75804): run that target again.
if [ "$after" = "$before" ] && grep -q "context deadline exceeded" "$log"; then
	echo "  $fn: no failing input was written: Go's fuzz coordinator race at -fuzztime's end (golang/go#75804); running it again"
	run && exit 0
fi
cat "$log"
exit 1
