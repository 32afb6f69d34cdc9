"""The installed package end to end: the example rows sent to the TikTok API sandbox on
loopback, and what the sandbox received checked. CI runs it in a fresh venv where the
built wheel is installed (packages/check-installed.sh).

    HOST_HARNESS=target/release/host-harness EXAMPLES=examples python smoke.py
"""

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

from tiktok_offline_events import Destination

examples = Path(os.environ["EXAMPLES"])
settings = json.loads((examples / "settings.json").read_text())
records = [line for line in (examples / "offline-events.ndjson").read_text().splitlines() if line]

sandbox = subprocess.Popen(
    [os.environ["HOST_HARNESS"], "sandbox", "--addr", "127.0.0.1:0", "--seed", str(examples / "settings.json")],
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

    destination = Destination(endpoint=base)
    assert destination.validate(settings).event_set_id == settings["event_set_id"]
    output = destination.transform(settings, records)
    delivered = 0
    for request in output.requests:
        delivered += sum(d.status == "delivered" for d in destination.send(settings, request).deliveries)
    with urllib.request.urlopen(f"{base}/_sandbox/events") as response:
        held = json.load(response)
    sent_ids = sorted(i for r in output.requests for i in r.event_ids)
    assert sorted(e["event"]["event_id"] for e in held) == sent_ids
    assert delivered == len(sent_ids)
    print(
        f"Python package: {len(records)} rows, {len(output.rejections)} rejected, "
        f"{delivered} events delivered to the sandbox and held there"
    )
finally:
    sandbox.kill()
