#!/usr/bin/env bash
# Installs each built package from its artifact (packages/out/) into a fresh project or
# venv, as a user would, and sends the example rows through it to the TikTok API
# sandbox on loopback, checking what the sandbox received.
#
#   packages/check-installed.sh HOST_HARNESS
#
# HOST_HARNESS: the host-harness binary, whose `sandbox` command serves the sandbox.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export HOST_HARNESS="$(realpath "$1")"
export EXAMPLES="$here/../examples"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== npm: a fresh project installs the tarball" >&2
mkdir "$scratch/npm"
cd "$scratch/npm"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$here"/out/tiktok-offline-events-*.tgz
cp "$here/npm/smoke/smoke.mjs" .
node smoke.mjs

echo "== Python: a fresh venv installs the wheel" >&2
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --disable-pip-version-check "$here"/out/tiktok_offline_events-*.whl
cp "$here/python/smoke/smoke.py" "$scratch/"
"$scratch/venv/bin/python" "$scratch/smoke.py"
