#!/usr/bin/env bash
# Installs each built package from its artifact (packages/out/) into a fresh project or
# venv, as a user would, and runs the README's example through it (the README must hold
# packages/*/examples/send.* word for word), sending the example rows to the TikTok API
# sandbox on loopback and checking what the sandbox received.
#
#   packages/check-installed.sh HOST_HARNESS
#
# HOST_HARNESS: the host-harness binary, whose `sandbox` command serves the sandbox.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export HOST_HARNESS="$(realpath "$1")"
export REPO="$(realpath "$here/..")"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

echo "== the README's examples are the ones run here" >&2
for example in "$here"/npm/examples/send.mjs "$here"/python/examples/send.py; do
  python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' \
    "$example" "$REPO/README.md" || { echo "README.md does not hold $example as it is" >&2; exit 1; }
done

echo "== npm: a fresh project installs the tarball" >&2
mkdir "$scratch/npm"
cd "$scratch/npm"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$here"/out/tiktok-offline-events-*.tgz
cp "$here/npm/smoke/smoke.mjs" "$here/npm/examples/send.mjs" .
node smoke.mjs

echo "== Python: a fresh venv installs the wheel" >&2
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --disable-pip-version-check "$here"/out/tiktok_offline_events-*.whl
cp "$here/python/smoke/smoke.py" "$here/python/examples/send.py" "$scratch/"
"$scratch/venv/bin/python" "$scratch/smoke.py"
