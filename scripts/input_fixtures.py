#!/usr/bin/env python3
"""Writes host-harness/tests/fixtures/inputs/: the same few rows as real writers write
them, for the input tests (`host-harness/tests/hostile_input.rs`).

    python3 scripts/input_fixtures.py

Python's own csv (Excel's dialect: CRLF, quotes where needed; and its tab dialect) and
gzip (mtime fixed, so the files are reproducible) and json; pyarrow for Parquet (not
needed by the tests, only to write these files again). Each file has an upper-case
header or key, an empty cell or null, non-ASCII text, ids too big for a double (as
text, and in NDJSON and Parquet as an integer), and a bad record in the middle that
gets its own outcome.
"""
import csv
import datetime
import decimal
import gzip
import io
import json
import uuid
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


def parquet_files():
    """Two Parquet files as warehouses write them.

    `pyarrow.parquet`: pyarrow's defaults (snappy, nanosecond timestamps in UTC as
    pandas writes them), ids as int64, a decimal value, phones as a list, an order's
    items as a list of structs; row 3's time is in 2099, which the component rejects.

    `spark.parquet`: as Spark and Databricks write it (INT96 timestamps, zstd, ids as
    text), row groups of two rows, a binary column whose row 3 is not UTF-8, which the
    host rejects with the column's name, a UUID column, and a blob column the
    destination does not read.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = datetime.timezone.utc
    times = [
        datetime.datetime(2026, 11, 11, 10, 0, 0, tzinfo=utc),
        datetime.datetime(2026, 11, 11, 11, 0, 0, 250000, tzinfo=utc),
        datetime.datetime(2099, 1, 1, tzinfo=utc),
        datetime.datetime(2026, 11, 12, 8, 30, 0, tzinfo=utc),
    ]
    item = pa.struct([("content_id", pa.string()), ("price", pa.float64()), ("quantity", pa.int32())])
    typed = pa.table({
        "EMAIL": pa.array(["ada@example.com", None, "bob@example.com", "zoë@example.com"]),
        "Phone": pa.array([["+33 1 99 00 12 34"], ["+44 20 7946 0456", None], None, []], pa.list_(pa.string())),
        "event": pa.array(["Purchase", "Purchase", "Purchase", "Lead"]),
        "event_id": pa.array([9007199254740993, 9007199254740995, 3, 4], pa.int64()),
        "timestamp": pa.array(times, pa.timestamp("ns", tz="UTC")),
        "value": pa.array([decimal.Decimal("12.50"), None, decimal.Decimal("3.00"), None], pa.decimal128(10, 2)),
        "currency": pa.array(["EUR", None, "EUR", None]),
        "contents": pa.array([[{"content_id": "crème", "price": 6.25, "quantity": 2}], None, None, None], pa.list_(item)),
        "content_name": pa.array([None, None, "Tea", "日本茶"]),
    })
    spark = pa.table({
        "EMAIL": pa.array(["ada@example.com", None, "bob@example.com", "zoë@example.com"]),
        "PHONE": pa.array(["+33 1 99 00 12 34", "+44 20 7946 0456", None, None]),
        "EVENT": pa.array(["Purchase", "Purchase", "Purchase", "Lead"]),
        "EVENT_ID": pa.array(["9007199254740993", "9007199254740995", "o-3", "o-4"]),
        "TIMESTAMP": pa.array(times[:2] + [times[0], times[3]], pa.timestamp("us", tz="UTC")),
        "CONTENT_NAME": pa.array(["Crème brûlée".encode(), None, b"T\xe9a", "日本茶".encode()], pa.binary()),
        # A UUID the destination reads (as text), and a blob it does not read.
        "EXTERNAL_ID": pa.array([uuid.UUID(int=n * 0x1111).bytes for n in range(1, 5)], pa.uuid()),
        "LOAD_BLOB": pa.array([b"\xff\xfe"] * 4, pa.binary()),
    })
    files = {}
    for name, table, options in [
        ("pyarrow.parquet", typed, {}),
        ("spark.parquet", spark, {"use_deprecated_int96_timestamps": True, "compression": "zstd", "row_group_size": 2}),
    ]:
        out = io.BytesIO()
        pq.write_table(table, out, **options)
        files[name] = out.getvalue()
    return files


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
    files.update(parquet_files())
    # Parquet's index is at its end: a cut file has none.
    files["cut.parquet"] = files["pyarrow.parquet"][:-100]
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
