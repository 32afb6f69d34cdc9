"""Rows/s through `batch.transform` in Python, hosted as the conformance driver hosts
it (host.py: a fresh store and instance per call, settings by reference).

    target/release/bench --sample 100000 > sample.ndjson
    python bench.py --component X.wasm --sample sample.ndjson [--runs 5]

Prints the median of the runs, one core, 1,000-row batches."""

import argparse
import statistics
import sys
import time

from host import Plugin, keep_back, record
from wasmtime.component import Variant


class PureHost:
    """The imports of a pure call: no HTTP, the sample's clock, logs dropped."""

    def __init__(self, now_ms):
        self.clock_ms = now_ms

    def fetch(self, request):
        return Variant("denied", "no HTTP during this call: it must be pure")

    def now_ms(self):
        return self.clock_ms

    def log(self, level, message):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--component", required=True)
    parser.add_argument("--sample", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch-rows", type=int, default=1000)
    # The sample's clock (bench/src/sample.rs NOW_MS; `bench --sample` prints it).
    parser.add_argument("--now-ms", type=int, default=1_788_912_000_000)
    args = parser.parse_args()

    with open(args.sample, encoding="utf-8") as sample:
        rows = [line for line in sample.read().split("\n") if line]
    batches = [
        "\n".join(rows[start : start + args.batch_rows])
        for start in range(0, len(rows), args.batch_rows)
    ]
    plugin = Plugin(args.component)
    host = PureHost(args.now_ms)
    spec = plugin.call(host, "destination", "describe-settings")
    secret_keys = {f.key for f in spec.settings if f.secret}
    given = [
        record(key="access_token", value="bench-token-0123456789abcdef"),
        record(key="advertiser_id", value="7000000000000000001"),
        record(key="default_currency", value="USD"),
        record(key="default_phone_country", value="US"),
        record(key="event_set_id", value="7181537436256731137"),
    ]
    settings, _ = keep_back(given, lambda key: key in secret_keys)

    rates = []
    for _ in range(args.runs):
        started = time.perf_counter()
        events = 0
        for lines in batches:
            output = plugin.call(host, "batch", "transform", settings, lines)
            if isinstance(output, Variant):
                sys.exit(f"transform failed: {output.tag}: {output.payload}")
            events += sum(len(getattr(r, "event-ids")) for r in output.requests)
        rates.append(len(rows) / (time.perf_counter() - started))
        if events == 0:
            sys.exit("no events: the sample did not transform")
    print(
        f"python {sys.version.split()[0]}: {statistics.median(rates):.0f} rows/s "
        f"(median of {len(rates)} runs of {len(rows)} rows, a fresh instance per call)"
    )


if __name__ == "__main__":
    main()
