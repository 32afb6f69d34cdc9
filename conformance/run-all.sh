#!/usr/bin/env bash
# One component, three hosts: runs the conformance cases on one .wasm with wasmtime
# (host-harness, the reference), Node.js (jco) and Python (wasmtime-py), and fails when
# any host fails a case or prints anything other than the reference's output.
#
#   conformance/run-all.sh [COMPONENT.wasm]
#
# Without an argument it builds the TikTok component first. Needs cargo, node >= 20
# with npm, and python3; the drivers' dependencies are installed locally
# (conformance/node/node_modules, conformance/python/.venv). Outputs: conformance/out/.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
here="$root/conformance"
out="$here/out"
mkdir -p "$out"

step() { echo "== $*" >&2; }
fail() { echo "error: $*" >&2; exit 2; }

if [[ $# -ge 1 ]]; then
  wasm="$(realpath "$1")" || fail "no component at $1"
else
  step "building the component (wasm32-wasip2, profile component)"
  (cd "$root" && cargo build --locked --quiet -p tiktok-offline-events \
    --target wasm32-wasip2 --profile component) || fail "the component did not build"
  wasm="${CARGO_TARGET_DIR:-$root/target}/wasm32-wasip2/component/tiktok_offline_events.wasm"
fi

step "installing the drivers' dependencies"
node_modules="$here/node/node_modules/.package-lock.json"
if [[ ! "$node_modules" -nt "$here/node/package-lock.json" ]]; then
  (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi
venv="$here/python/.venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || fail "cannot create $venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt" \
  || fail "pip install failed"

# Each driver prints its normalised results on stdout and its failed cases on stderr.
# A host passes when its driver passes every case and prints the reference's output.
declare -A passed
run() {
  local host="$1"; shift
  step "$host"
  if "$@" --component "$wasm" --cases "$here/cases" > "$out/$host.json"; then
    passed[$host]=1
  else
    passed[$host]=0
  fi
}
run wasmtime cargo run --locked --quiet -p host-harness -- conformance
run node node "$here/node/run.mjs"
run python "$venv/bin/python" "$here/python/run.py"

step "node: the kept instance of the pure export (host.test.mjs)"
if ! (cd "$here/node" && COMPONENT="$wasm" node --test host.test.mjs > "$out/node-host-test.txt" 2>&1); then
  echo "node's host.test.mjs failed (all of it: $out/node-host-test.txt):" >&2
  tail -n 40 "$out/node-host-test.txt" >&2
  passed[node]=0
fi

step "comparing every host's output with the reference (wasmtime)"
for host in node python; do
  if ! diff -u "$out/wasmtime.json" "$out/$host.json" > "$out/$host.diff"; then
    echo "$host prints other results than wasmtime (all of it: $out/$host.diff):" >&2
    head -n 60 "$out/$host.diff" >&2
    passed[$host]=0
  fi
done

hosts=${#passed[@]}
ok=0
for host in "${!passed[@]}"; do ok=$((ok + passed[$host])); done
echo "conformance: $ok passed, $((hosts - ok)) failed"
[[ $ok -eq $hosts ]]
