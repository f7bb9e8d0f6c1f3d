#!/usr/bin/env bash
# benchstage.sh LOG NAME CMD... — one stage of make bench: runs CMD, its
# output shown and appended to LOG, then appends a BENCHSTAGE line with the
# stage's wall time, the 1-minute load average at its start and end, and
# whether it passed (internal/benchtable puts these under the table).
set -uo pipefail
log=$1 name=$2
shift 2
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown; }
l0=$(load) t0=$(date +%s)
echo "== bench stage $name: $*" | tee -a "$log"
"$@" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
status=ok
[ "$rc" = 0 ] || status="failed (exit $rc)"
echo "BENCHSTAGE name=$name | seconds=$(($(date +%s) - t0)) | load=$l0 → $(load) | status=$status" | tee -a "$log"
exit "$rc"
