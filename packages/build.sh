#!/usr/bin/env bash
# Builds both packages from one component and leaves their artifacts in packages/out/:
# the npm tarball (`npm pack`) and the Python wheel.
#
#   packages/build.sh COMPONENT.wasm
#
# Needs node >= 20 with npm, and python3 with pip (setuptools is fetched by pip).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wasm="$(realpath "$1")"
out="$here/out"
rm -rf "$out"
mkdir -p "$out"

echo "== npm package" >&2
cd "$here/npm"
if [[ ! node_modules/.package-lock.json -nt package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs --component "$wasm"
npm pack --silent --pack-destination "$out" >/dev/null

echo "== Python package" >&2
cd "$here/python"
python3 build.py --component "$wasm" >&2
python3 -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$out" .
ls "$out" >&2
