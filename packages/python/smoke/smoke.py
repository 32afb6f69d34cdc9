"""The installed package end to end: the README's example (examples/send.py, copied
beside this file) sends the example rows to the TikTok API sandbox on loopback, and what
the sandbox received is checked. CI runs it in a fresh venv where the built wheel is
installed (packages/check-installed.sh).

    HOST_HARNESS=target/release/host-harness REPO=. python smoke.py
"""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

repo = Path(os.environ["REPO"])
sandbox = subprocess.Popen(
    [os.environ["HOST_HARNESS"], "sandbox", "--addr", "127.0.0.1:0", "--seed", str(repo / "examples/settings.json")],
    stdout=subprocess.PIPE,
    stderr=subprocess.STDOUT,
    text=True,
)
try:
    said = ""
    while not (found := re.search(r"sandbox on (http://127\.0\.0\.1:\d+)", said)):
        line = sandbox.stdout.readline()
        if not line:
            raise SystemExit(f"the sandbox exited: {said}")
        said += line
    base = found.group(1)

    example = Path(__file__).resolve().parent / "send.py"
    printed = subprocess.run(
        [sys.executable, str(example)],
        cwd=repo,
        env={**os.environ, "TIKTOK_ENDPOINT": base},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    delivered, rejected = map(int, re.search(r"^(\d+) events delivered, (\d+) rows rejected$", printed, re.M).groups())
    with urllib.request.urlopen(f"{base}/_sandbox/events") as response:
        held = json.load(response)
    assert delivered > 0
    assert len(held) == delivered, "the sandbox holds every event said delivered"
    assert len({e["event"]["event_id"] for e in held}) == delivered, "each once"
    print(
        f"Python package, README example: {delivered} events delivered and held by the sandbox, "
        f"{rejected} rows rejected"
    )
finally:
    sandbox.kill()
