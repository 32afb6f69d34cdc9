#!/usr/bin/env python3
"""Writes host-harness/tests/fixtures/inputs/: the same few rows as real writers write
them, for the input tests (`host-harness/tests/hostile_input.rs`).

    python3 scripts/input_fixtures.py

Python's own csv (Excel's dialect: CRLF, quotes where needed; and its tab dialect) and
gzip (mtime fixed, so the files are reproducible) and json. Each file has an
upper-case header or key, an empty cell or null, non-ASCII text, ids too big for a
double (as text, and in NDJSON as an integer), and a bad record in the middle that
gets its own outcome.
"""
import csv
import gzip
import io
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "host-harness/tests/fixtures/inputs"
HEADER = ["EMAIL", "Phone", "event", "event_id", "timestamp", "value", "currency", "content_name"]
ROWS = [
    ["ada@example.com", "+33 1 99 00 12 34", "Purchase", "9007199254740993", "2026-11-11T10:00:00Z", "12.50", "EUR", "Crème brûlée"],
    ["", "+44 20 7946 0456", "Purchase", "9007199254740995", "2026-11-11T11:00:00Z", "", "", ""],
    ["bob@example.com", "", "Purchase", "o-3", "not a date", "3", "EUR", "Tea"],
    ["zoë@example.com", "", "Lead", "o-4", "2026-11-12T09:30:00+01:00", "", "", "日本茶"],
]


def table(dialect):
    text = io.StringIO()
    writer = csv.writer(text, dialect=dialect)
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    return text.getvalue().encode()


def ndjson():
    lines = []
    for at, row in enumerate(ROWS):
        record = {key: (value or None) for key, value in zip(HEADER, row)}
        if record["event_id"].isdigit():
            record["event_id"] = int(record["event_id"])
        lines.append(json.dumps(record, ensure_ascii=False))
        if at == 1:
            lines.append('{"EMAIL": "cut@example.com", "event": ')
    return ("\n".join(lines) + "\n").encode()


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(data)
    return out.getvalue()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "python.csv.gz": gz(table("excel")),
        "python.tsv": table("excel-tab"),
        "gzipped-but-named.csv": gz(table("excel")),
        "python.jsonl.gz": gz(ndjson()),
    }
    # A long export cut short (a full disk, an interrupted copy): 2,000 rows, then the
    # stream stops in the middle.
    many = io.StringIO()
    writer = csv.writer(many)
    writer.writerow(HEADER)
    for n in range(2000):
        writer.writerow([f"c{n}@example.com", "", "Lead", f"c-{n}", "2026-11-11T10:00:00Z", "", "", ""])
    whole = gz(many.getvalue().encode())
    files["cut.csv.gz"] = whole[: len(whole) // 2]
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
