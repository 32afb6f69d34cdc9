"""The conformance driver for Python (wasmtime-py): runs the cases against a component
and prints the normalised results, the same JSON as `host-harness conformance`.

    python run.py --component X.wasm [--cases DIR]

Stdout: the results. Stderr: every case whose results differ from its expectations,
then "N passed, M failed". Exit 1 when any case failed."""

import argparse
import hashlib
import json
import sys
from collections import defaultdict, deque
from pathlib import Path

from wasmtime.component import Record, Variant

# The Python package's own hosting code (packages/python), so that the cases prove it.
from tiktok_offline_events.host import (
    PACKAGED,
    Plugin,
    SecretError,
    egress_refusal,
    keep_back,
    record,
    resolve_headers,
    settings_list,
)

import normal

# Exports the contract declares pure: the host refuses their HTTP calls, and they run
# on one kept instance (`Plugin.call_pure`), as in the package.
PURE = {"describe-settings", "transform-batch", "batch.transform", "authorization-url"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--component", required=True)
    parser.add_argument("--cases", default=Path(__file__).parent.parent / "cases", type=Path)
    args = parser.parse_args()

    given = hashlib.sha256(Path(args.component).read_bytes()).hexdigest()
    packaged = PACKAGED.with_name("component.sha256").read_text().strip()
    if given != packaged:
        print(
            f"the Python package holds another component (sha256 {packaged}); build and install it from this one",
            file=sys.stderr,
        )
        return 2
    plugin = Plugin()
    spec = plugin.call(ScriptedHost([], 0, []), "destination", "describe-settings")
    hosts = [h.lower() for h in spec.hosts]
    secret_keys = {f.key for f in spec.settings if f.secret}

    outputs = []
    failed = 0
    for path in sorted(args.cases.glob("*.json")):
        case = json.loads(path.read_text())
        output, problems = run_case(plugin, hosts, secret_keys, path.stem, case)
        if problems:
            failed += 1
            print(f"FAIL {path.stem}\n  " + "\n  ".join(problems), file=sys.stderr)
        outputs.append(output)
    print(json.dumps(outputs, indent=2, sort_keys=True, ensure_ascii=False))
    print(f"{len(outputs) - failed} passed, {failed} failed", file=sys.stderr)
    return 0 if failed == 0 else 1


def run_case(plugin, hosts, secret_keys, name, case):
    host = ScriptedHost(case.get("http", []), case["clock_ms"], hosts)
    by_reference = case.get("contract") == "0.2"
    calls = []
    problems = []
    for index, call in enumerate(case["calls"]):
        secret_in_guest = False
        host.start_call(call["export"] in PURE)
        try:
            given = settings_list(call["settings"]) if "settings" in call else None
            passed = given
            if given is not None and by_reference:
                passed, host.secrets = keep_back(given, lambda key: key in secret_keys)
            secret_in_guest = secret_crossed(given or [], secret_keys, texts(passed or []) + argument_texts(call))
            # Pure exports run on the package's kept instance, as the package runs them.
            run = plugin.call_pure if call["export"] in PURE else plugin.call
            result = invoke(run, host, call, passed)
        except SecretError as error:
            result = {"err": {"invalid_settings": [{"key": k, "message": m} for k, m in error.errors]}}
        except Exception as error:  # a trap: the component failed, not the case file
            result = {"host_error": str(error)}
        output = {
            "export": call["export"],
            "result": result,
            "http": host.calls,
            "logs": host.logs,
            "secret_in_guest": secret_in_guest,
        }
        expected = {"result": call["expect"], "http": call.get("expect_http", [])}
        for part in ["result", "http"]:
            if output[part] != expected[part]:
                problems.append(
                    f"call {index} ({call['export']}): {part} differs\n"
                    f"  expected: {json.dumps(expected[part])}\n  actual:   {json.dumps(output[part])}"
                )
        calls.append(output)
    return {"name": name, "calls": calls}, problems


def invoke(run, host, call, settings):
    """Calls one export with the case's arguments, in wasmtime-py's shapes, and normalises."""
    export = call["export"]

    def destination(*args):
        return run(host, "destination", export, *args)

    def oauth(*args):
        return run(host, "oauth", export, *args)

    def event_sets(*args):
        return run(host, "event-sets", export, *args)

    if export == "describe-settings":
        return normal.spec(destination())
    if export == "validate-credentials":
        return normal.result(destination(settings), normal.validation)
    if export == "transform-batch":
        records = [record(id=r["id"], json=text(r["json"])) for r in call["records"]]
        return normal.result(destination(settings, records), normal.transform_output)
    if export == "send":
        request = call["request"]
        events = [record(event_id=e["event_id"], record_ids=e["record_ids"]) for e in request["events"]]
        prepared = record(body=text(request["body"]), events=events)
        return normal.result(destination(settings, prepared), normal.delivery_outcomes)
    if export == "batch.transform":
        lines = "\n".join(text(row) for row in call["lines"])
        return normal.result(run(host, "batch", "transform", settings, lines), normal.positions)
    if export == "batch.send":
        request = call["request"]
        prepared = record(
            body=text(request["body"]),
            event_ids=request["event_ids"],
            event_sizes=request["event_sizes"],
            rows=request["rows"],
        )
        return normal.result(run(host, "batch", "send", settings, prepared), normal.send_output)
    if export == "authorization-url":
        return oauth(call["app_id"], call["redirect_uri"], call["state"])
    if export == "connect":
        return normal.result(oauth(call["app_id"], call["app_secret"], call["auth_code"]), normal.connection)
    if export == "list-event-sets":
        return normal.result(event_sets(settings), normal.event_sets)
    if export == "create-event-set":
        created = event_sets(settings, call["name"], call["description"], call["auto_tracking"])
        return normal.result(created, normal.event_set)
    if export == "update-event-set":
        updated = event_sets(settings, call["id"], call.get("name"), call.get("auto_tracking"))
        return normal.result(updated, normal.event_set)
    raise ValueError(f"unknown export {export}")


def argument_texts(call):
    """Every argument but the settings, as the text that crosses into the guest."""
    export = call["export"]
    if export == "transform-batch":
        return [t for r in call["records"] for t in (r["id"], text(r["json"]))]
    if export == "send":
        request = call["request"]
        ids = [t for e in request["events"] for t in [e["event_id"], *e["record_ids"]]]
        return [text(request["body"]), *ids]
    if export == "batch.transform":
        return ["\n".join(text(row) for row in call["lines"])]
    if export == "batch.send":
        return [text(call["request"]["body"]), *call["request"]["event_ids"]]
    if export == "authorization-url":
        return [call["app_id"], call["redirect_uri"], call["state"]]
    if export == "connect":
        return [call["app_id"], call["app_secret"], call["auth_code"]]
    if export == "create-event-set":
        return [call["name"], call["description"]]
    if export == "update-event-set":
        return [t for t in (call["id"], call.get("name")) if t is not None]
    return []


def texts(settings):
    """The text values of settings records."""
    return [s.value for s in settings if isinstance(s.value, str)]


def secret_crossed(given, secret_keys, crossing):
    """Whether the value of a secret setting of `given` is in any of `crossing`."""
    secrets = [s.value for s in given if s.key in secret_keys and isinstance(s.value, str)]
    return any(secret in t for t in crossing for secret in secrets)


def text(value):
    """A string as is; any other JSON compact, keys sorted."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ScriptedHost:
    """The host's imports for one case: answers from the case's script (queued per
    "METHOD url"), the same egress policy as host-harness, and a record of every call
    and log line."""

    def __init__(self, answers, clock_ms, allowed_hosts):
        self.queues = defaultdict(deque)
        for answer in answers:
            self.queues[f"{answer['method']} {answer['url']}"].append(answer)
        self.clock_ms = clock_ms
        self.allowed_hosts = allowed_hosts
        self.start_call(pure=False)

    def start_call(self, pure, secrets=None):
        self.pure = pure
        self.secrets = secrets or {}
        self.calls = []
        self.logs = []

    def now_ms(self):
        return self.clock_ms

    def log(self, level, message):
        self.logs.append({"level": level, "message": message})

    def fetch(self, request):
        if self.pure:
            return Variant("denied", "no HTTP during this call: it must be pure")
        refusal = egress_refusal(request.url, self.allowed_hosts)
        if refusal:
            return Variant("denied", refusal)
        method = request.method.upper()
        self.calls.append(
            {
                "method": method,
                "url": request.url,
                "headers": [list(h) for h in resolve_headers(request.headers, self.secrets)],
                "body": request.body,
            }
        )
        key = f"{method} {request.url}"
        if not self.queues[key]:
            return Variant("connection", f"no scripted answer for {key}")
        answer = self.queues[key].popleft()
        if "error" in answer:
            return http_error(answer["error"])
        response = Record()
        response.status = answer.get("status", 200)
        response.headers = [tuple(h) for h in answer.get("headers", [])]
        response.body = text(answer.get("body", ""))
        return response


def http_error(error):
    """"timeout", "too_large", {"denied": …} or {"connection": …} as wasmtime-py's
    http-error variant."""
    if isinstance(error, str):
        return Variant(error.replace("_", "-"))
    [(tag, reason)] = error.items()
    return Variant(tag, reason)


if __name__ == "__main__":
    sys.exit(main())
