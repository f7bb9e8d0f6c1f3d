#!/usr/bin/env bash
# fuzzone.sh FUZZTIME PKG:FUZZFUNC — one short fuzz run for make fuzz-run,
# which runs two at a time (each with one fuzzing worker), so both cores
# fuzz. With FUZZ_BINS set, the package's test binary built there by
# fuzzbuild.sh is run the way `go test -fuzz` runs it (in the package's
# folder, so failing inputs land in its testdata/fuzz/FUZZFUNC; with go's
# fuzz cache folder, FUZZ_CACHE/PKG when given), instead of linking the
# package again per target.
set -uo pipefail
fuzztime=$1 target=$2
pkg=${target%%:*} fn=${target##*:}
corpus=$pkg/testdata/fuzz/$fn
log=$(mktemp "${TMPDIR:-/tmp}/scrim-fuzz-$fn.XXXXXX")
trap 'rm -f "$log"' EXIT
if [ -n "${FUZZ_BINS:-}" ]; then
	bin=$FUZZ_BINS/${pkg//\//_}.test
	cache=${FUZZ_CACHE:-$(${GO:-go} env GOCACHE)/fuzz/$(${GO:-go} list -m)}/$pkg
	run() { (cd "$pkg" && "$bin" -test.paniconexit0 -test.run '^$' -test.fuzz "^$fn\$" -test.fuzztime "$fuzztime" \
		-test.fuzzminimizetime 1x -test.parallel 1 -test.fuzzcachedir "$cache") >"$log" 2>&1; }
else
	run() { ${GO:-go} test -run '^$' -fuzz "^$fn\$" -fuzztime "$fuzztime" -fuzzminimizetime 1x -parallel 1 "./$pkg" >"$log" 2>&1; }
fi
echo "fuzz $pkg $fn $fuzztime"
before=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
run && exit 0
after=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
# Go 1.26's fuzz coordinator can report its own -fuzztime deadline as a
# failure without writing an input (golang/go#75804): run that target again,
# up to three times (CI once met the race twice in a row).
for retry in 1 2 3; do
	[ "$after" = "$before" ] && grep -q "context deadline exceeded" "$log" || break
	echo "  $fn: no failing input was written: Go's fuzz coordinator race at -fuzztime's end (golang/go#75804); running it again ($retry of 3)"
	run && exit 0
	after=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
done
cat "$log"
echo "FAIL fuzz $pkg $fn"
exit 1
