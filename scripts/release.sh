#!/usr/bin/env bash
# The release artifact: what a host needs to run the TikTok destination, in dist/.
#
#   scripts/release.sh
#
#   dist/tiktok-offline-events-VERSION.wasm         the component (wasm32-wasip2)
#   dist/tiktok-offline-events-VERSION.wasm.sha256  its SHA-256 (check: sha256sum -c)
#   dist/wit/v0.1/, dist/wit/v0.2/                  the contract it implements (0.2 includes 0.1)
#
# Before writing anything it runs the conformance suite on the built .wasm with the
# reference host, so a release never ships a component that fails it. (The suite in
# all three hosts: conformance/run-all.sh dist/*.wasm.)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
package=tiktok-offline-events
version="$(cargo pkgid -p "$package" | sed 's/.*@//')"
name="$package-$version.wasm"

echo "== building $name" >&2
# host-harness's build script builds the component and writes it as shipped (without
# the debug names wasm-component-ld adds) into its OUT_DIR, which cargo reports.
out_dir="$(cargo build --locked --quiet -p host-harness --message-format=json |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and "/host-harness#" in m["package_id"]:
        print(m["out_dir"])')"
built="$out_dir/${package//-/_}.wasm"

echo "== conformance (wasmtime)" >&2
cargo run --locked --quiet -p host-harness -- --component "$built" conformance \
  --cases conformance/cases > /dev/null

rm -rf dist
mkdir -p dist/wit
cp "$built" "dist/$name"
cp -R wit/v0.1 wit/v0.2 dist/wit/
(cd dist && sha256sum "$name" > "$name.sha256")

echo "== dist/" >&2
cat "dist/$name.sha256"
ls -l dist dist/wit
