#!/usr/bin/env python3
"""Writes src/phone/libphonenumber.tsv: phone numbers as people write them, and what
Google's libphonenumber reads them as. The phone tests check the component against it.

    pip install phonenumbers==9.0.21 && python3 scripts/phone_fixture.py

For every region libphonenumber knows and every type of number it has an example of,
the example is written in several forms: E.164, international format, national format
(with and without separators) with the region as the row's country, the significant
number alone (a spreadsheet dropped the trunk prefix), the calling code without `+`,
`+CC (0) …` where the region has a trunk prefix, without the area code where the
region's numbers are dialled so, and dialled from other regions with
their international prefix (US 011, JP 010, AU 0011, RU 8~10, ...).

Then 20,000 random digit strings with random prefixes and countries (type `random`,
their number is what libphonenumber parses, valid or not).

Each line: raw, country (ISO code or empty), libphonenumber's reading of it (E.164, or
`-` where it finds no valid number), the number that was written (the example, in
E.164), and its type (fixed_line, mobile, voip, personal for people; toll_free,
premium_rate, shared_cost, uan, pager, voicemail for no one). The reading and the
number differ where a form is ambiguous: libphonenumber reads HK `00 1 649 …` as New
Zealand (carrier prefix 001), though it wrote it for +1 649 (Turks and Caicos).
"""
import random
import re
import zlib
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T

TYPES = {
    T.FIXED_LINE: "fixed_line",
    T.MOBILE: "mobile",
    T.VOIP: "voip",
    T.PERSONAL_NUMBER: "personal",
    T.TOLL_FREE: "toll_free",
    T.PREMIUM_RATE: "premium_rate",
    T.SHARED_COST: "shared_cost",
    T.UAN: "uan",
    T.PAGER: "pager",
    T.VOICEMAIL: "voicemail",
}
DIALLING_FROM = ["US", "GB", "JP", "AU", "RU", "DE", "BR", "KR"]


def read(raw, country):
    """libphonenumber's E.164 for `raw` read with `country`, or `-`."""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        return "-"
    if not phonenumbers.is_valid_number(number):
        return "-"
    return phonenumbers.format_number(number, F.E164)


def forms(number, region):
    e164 = phonenumbers.format_number(number, F.E164)
    national = phonenumbers.format_number(number, F.NATIONAL)
    nsn = phonenumbers.national_significant_number(number)
    code = str(number.country_code)
    yield e164, ""
    yield phonenumbers.format_number(number, F.INTERNATIONAL), ""
    yield national, region
    yield "".join(c for c in national if c.isdigit()), region
    yield nsn, region
    yield code + nsn, region
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata and metadata.national_prefix:
        yield f"+{code} ({metadata.national_prefix}) {nsn}", ""
    # Dialled without its area code where the region's numbers are (libphonenumber's
    # transform rule puts the area code back): Bahamas, Jersey, San Marino, ...
    rule = metadata.national_prefix_transform_rule if metadata else None
    local = re.match(r"\(\[?[0-9-]+\]?\\d\{\d+\}\)\$", metadata.national_prefix_for_parsing or "")
    if local and rule and rule.endswith("\\1") and rule[:-2].isdigit() and nsn.startswith(rule[:-2]):
        yield nsn[len(rule) - 2 :], region
    rotating = sorted(phonenumbers.SUPPORTED_REGIONS)[zlib.crc32(e164.encode()) % 245]
    for dialler in DIALLING_FROM + [rotating]:
        if dialler != region:
            out = phonenumbers.format_out_of_country_calling_number(number, dialler)
            yield out, dialler


def parsed(raw, country):
    """What libphonenumber parses `raw` as, valid or not, or `-`."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(raw, country or None), F.E164)
    except phonenumbers.NumberParseException:
        return "-"


def random_inputs(count):
    """Digits as anyone might type them, with and without a prefix, for the property
    that no input reads as another number than libphonenumber parses. Their lines
    carry libphonenumber's parse (valid or not) as the number, and the type `random`."""
    rng = random.Random(20261207)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    for _ in range(count):
        region = rng.choice(regions)
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        code = str(metadata.country_code)
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 13)))
        prefix = rng.choice(["", "", "+", "+" + code, "00", "0", code, "011", "010", "0011", "8~10"])
        country = "" if prefix.startswith("+") else region
        raw = prefix + digits
        yield raw, country, read(raw, country), parsed(raw, country), "random"


def main():
    lines = set(random_inputs(20_000))
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind, name in TYPES.items():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, F.E164)
            for raw, country in forms(number, region):
                lines.add((raw, country, read(raw, country), e164, name))
    out = Path(__file__).resolve().parent.parent / "src/phone/libphonenumber.tsv"
    header = (
        f"# libphonenumber {phonenumbers.__version__}: raw, country, its reading or -, number, type."
        " Regenerate: scripts/phone_fixture.py\n"
    )
    out.write_text(header + "".join("\t".join(line) + "\n" for line in sorted(lines)))
    print(f"{len(lines)} lines to {out}")


if __name__ == "__main__":
    main()
