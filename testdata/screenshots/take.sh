#!/bin/bash
# Runs scrim-desktop in a real window under Xvfb on the demo case, walks the
# screenshot tour and captures the X screen at each stop (sign-in, grid,
# details, file facts, a reveal, the panic screen, recent cases, dashboard)
# into OUTDIR. Needs xvfb and imagemagick (the Makefile installs them).
# Usage: take.sh BIN CASEDIR EVIDENCE HOMEDIR OUTDIR
set -euo pipefail
bin=$1 case=$2 evidence=$3 home=$4 out=$5
mkdir -p "$out" "$home"
# The tour's home is a demo home: only there may --demo-profiles add profiles.
echo "demo profile store made by take.sh" > "$home/scrim-demo-home"
display=:$((90 + RANDOM % 400))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
export DISPLAY=$display LANG=en_US.UTF-8
coproc APP { exec timeout 300 "$bin" --home "$home" --demo-profiles --case "$case" --evidence "$evidence" --tour 2>&1; }
app=$APP_PID # bash forgets APP_PID once the coprocess ends
while read -r word name <&"${APP[0]}"; do
	if [ "$word" = ready ]; then
		# The stop waits 1.5 s to be drawn; on a loaded machine the first
		# frame of a new GL window can come later, and a capture of an
		# undrawn screen is one colour: capture again, for up to 15 s.
		for _ in $(seq 30); do
			/usr/bin/import -window root "$out/$name.png"
			[ "$(/usr/bin/identify -format %k "$out/$name.png")" -gt 1 ] && break
			sleep 0.5
		done
		echo "captured $out/$name.png"
		echo next >&"${APP[1]}"
	else
		echo "scrim-desktop: $word $name" >&2
	fi
done
wait "$app"
