#!/usr/bin/env bash
# One component, three hosts: runs the conformance cases on one .wasm with wasmtime
# (host-harness, the reference), Node.js (jco) and Python (wasmtime-py), and fails when
# any host fails a case or prints anything other than the reference's output. The Node
# and Python drivers host the component with the npm and Python packages' own code
# (packages/), built here from the same .wasm, so the cases prove the packages.
#
#   conformance/run-all.sh [COMPONENT.wasm]
#
# Without an argument it builds the TikTok component first. Needs cargo, node >= 20
# with npm, and python3; the packages' dependencies are installed locally
# (packages/npm/node_modules, conformance/python/.venv). Outputs: conformance/out/.
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

step "building the packages the drivers host it with (packages/build.sh)"
"$root/packages/build.sh" "$wasm" || fail "the packages did not build"
venv="$here/python/.venv"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || fail "cannot create $venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps \
  "$root"/packages/out/tiktok_offline_events-*.whl || fail "pip install of the wheel failed"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$root"/packages/out/tiktok_offline_events-*.whl \
  || fail "pip install of the wheel's dependencies failed"

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

step "the packages' own tests (npm test; python -m unittest)"
if ! (cd "$root/packages/npm" && npm test > "$out/npm-test.txt" 2>&1); then
  echo "the npm package's tests failed (all of it: $out/npm-test.txt):" >&2
  tail -n 40 "$out/npm-test.txt" >&2
  passed[node]=0
fi
if ! (cd "$root/packages/python" && "$venv/bin/python" -m unittest discover -s tests > "$out/python-test.txt" 2>&1); then
  echo "the Python package's tests failed (all of it: $out/python-test.txt):" >&2
  tail -n 40 "$out/python-test.txt" >&2
  passed[python]=0
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
