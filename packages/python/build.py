"""Puts the shipped component into the package, with the sha256 it is known by.

    python build.py [--component X.wasm]
    python -m pip wheel . --no-deps -w dist

Default: the workspace's release build,
target/wasm32-wasip2/component/tiktok_offline_events.wasm."""

import argparse
import hashlib
import shutil
from pathlib import Path

here = Path(__file__).resolve().parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--component",
    type=Path,
    default=here.parent.parent / "target/wasm32-wasip2/component/tiktok_offline_events.wasm",
)
args = parser.parse_args()
package = here / "src/tiktok_offline_events"
shutil.copyfile(args.component, package / "component.wasm")
sha256 = hashlib.sha256(args.component.read_bytes()).hexdigest()
(package / "component.sha256").write_text(sha256 + "\n")
print(f"src/tiktok_offline_events/component.wasm from {args.component} (sha256 {sha256})")
