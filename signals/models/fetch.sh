#!/usr/bin/env bash
# fetch.sh OUT: put the pinned models into OUT (default .cache/models), at
# build time only (nothing is fetched at run time):
#   @vladmandic/human@3.3.6 (MIT): models/blazeface.{json,bin}, models/faceres.{json,bin}
#   nsfwjs@4.4.0 (MIT): dist/models/mobilenet_v2, shipped as browserify bundles,
#     unwrapped by unwrap.js into nsfwjs-mobilenet_v2/model.json + group1-shard1of1
# Every tarball and every model file is checked against pinned.sha256.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-.cache/models}
pinned="$here/pinned.sha256"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Already there and intact: nothing to do.
if (cd "$out" && grep -v '  npm/' "$pinned" | sha256sum -c --quiet --status 2>/dev/null); then
	exit 0
fi

tmp=$(mktemp -d "$out/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/npm"
(cd "$tmp/npm" && npm pack --silent @vladmandic/human@3.3.6 nsfwjs@4.4.0 >/dev/null)
(cd "$tmp" && grep '  npm/' "$pinned" | sha256sum -c --quiet) || { echo "fetch.sh: npm tarballs differ from $pinned" >&2; exit 1; }

mkdir -p "$tmp/human" "$tmp/nsfwjs"
tar -xzf "$tmp/npm/vladmandic-human-3.3.6.tgz" -C "$tmp/human" \
	package/models/blazeface.json package/models/blazeface.bin package/models/faceres.json package/models/faceres.bin
tar -xzf "$tmp/npm/nsfwjs-4.4.0.tgz" -C "$tmp/nsfwjs" package/dist/models/mobilenet_v2
mkdir -p "$tmp/models"
mv "$tmp"/human/package/models/* "$tmp/models/"
node "$here/unwrap.js" "$tmp/nsfwjs/package/dist/models/mobilenet_v2" "$tmp/models/nsfwjs-mobilenet_v2"
(cd "$tmp/models" && grep -v '  npm/' "$pinned" | sha256sum -c --quiet) || { echo "fetch.sh: unpacked models differ from $pinned" >&2; exit 1; }

# Move file by file so a kill leaves either the old or the new file.
(cd "$tmp/models" && find . -type f) | while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	mv -f "$tmp/models/$f" "$out/$f"
done
echo "models in $out"
