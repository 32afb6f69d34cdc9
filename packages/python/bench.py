"""Rows/s through the package's public API: `transform` of the bench sample in 1,000-row
batches on one core, as a Python vendor would call it (records as the NDJSON lines
they read, settings as a dict), a fresh instance per call.

    target/release/bench --sample 100000 > sample.ndjson
    python bench.py --sample sample.ndjson [--runs 5] [--dicts]

--dicts passes each record as a parsed dict instead (json.dumps per row). Prints the
median of the runs."""

import argparse
import json
import statistics
import sys
import time

from tiktok_offline_events import Destination

SETTINGS = {
    "access_token": "bench-token-0123456789abcdef",
    "advertiser_id": "7000000000000000001",
    "default_currency": "USD",
    "default_phone_country": "US",
    "event_set_id": "7181537436256731137",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch-rows", type=int, default=1000)
    parser.add_argument("--dicts", action="store_true")
    # The sample's clock (bench/src/sample.rs NOW_MS; `bench --sample` prints it).
    parser.add_argument("--now-ms", type=int, default=1788912000000)
    args = parser.parse_args()

    with open(args.sample) as f:
        rows = [line.rstrip("\n") for line in f if line.strip()]
    if args.dicts:
        rows = [json.loads(row) for row in rows]
    batches = [rows[i : i + args.batch_rows] for i in range(0, len(rows), args.batch_rows)]
    destination = Destination(now=lambda: args.now_ms)
    rates = []
    for _ in range(args.runs):
        started = time.perf_counter()
        events = 0
        for batch in batches:
            for request in destination.transform(SETTINGS, batch).requests:
                events += len(request.event_ids)
        rates.append(len(rows) / (time.perf_counter() - started))
        if events == 0:
            sys.exit("no events: the sample did not transform")
    median = statistics.median(rates)
    kind = ", records as dicts" if args.dicts else ""
    print(f"python {sys.version.split()[0]}, Python package: {median:,.0f} rows/s (median of {args.runs} runs of {len(rows)} rows{kind})")


if __name__ == "__main__":
    main()
