#!/usr/bin/env python3
"""Writes src/phone/patterns.rs: libphonenumber's number patterns, compiled into one
small automaton per calling code, so the component knows which significant numbers
exist (and whose: a person's, or no one's) without a regex engine at run time.

    pip install phonenumbers==9.0.21 && python3 scripts/phone_patterns.py

Per calling code, over all the regions that share it: the patterns of the personal
types (fixed line, mobile, VoIP, personal number) and of the others (toll-free,
premium rate, shared cost, UAN, pager, voicemail). Per region: its "general
description", with which libphonenumber decides whether digits that start with the
region's calling code are a national number or the code and a number.
Each pattern is parsed with Python's own regex parser into a nondeterministic
automaton over the digits, the two are made deterministic together (a state knows
whether it ends a personal number, another number, or none) and minimised. Checked:
every example number of every region and type is classified as libphonenumber does.
"""
from pathlib import Path
import re
import re._constants as c
import re._parser as parser

import phonenumbers
from phonenumbers import PhoneMetadata

PERSONAL = ["fixed_line", "mobile", "voip", "personal_number"]
NO_ONES = ["toll_free", "premium_rate", "shared_cost", "uan", "pager", "voicemail"]
NONE, PERSON, OTHER, POSSIBLE = 0, 1, 2, 3
MAX_DIGITS = 17


class Nfa:
    def __init__(self):
        self.eps, self.edges = [], []

    def state(self):
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1


def digit_set(op, arg):
    if op is c.LITERAL:
        return {arg - 48}
    if op is c.CATEGORY and arg is c.CATEGORY_DIGIT:
        return set(range(10))
    if op is c.IN:
        digits = set()
        for kind, value in arg:
            if kind is c.LITERAL:
                digits.add(value - 48)
            elif kind is c.RANGE:
                digits.update(range(value[0] - 48, value[1] - 47))
            elif kind is c.CATEGORY and value is c.CATEGORY_DIGIT:
                digits.update(range(10))
            else:
                raise ValueError(f"unexpected class item {kind}")
        return {d for d in digits if 0 <= d <= 9}
    return None


def sequence(nfa, items, at):
    for op, arg in items:
        at = node(nfa, op, arg, at)
    return at


def node(nfa, op, arg, at):
    digits = digit_set(op, arg)
    if digits is not None:
        nxt = nfa.state()
        nfa.edges[at].extend((d, nxt) for d in digits)
        return nxt
    if op is c.SUBPATTERN:
        return sequence(nfa, arg[-1], at)
    if op is c.BRANCH:
        end = nfa.state()
        for branch in arg[1]:
            start = nfa.state()
            nfa.eps[at].append(start)
            nfa.eps[sequence(nfa, branch, start)].append(end)
        return end
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        low, high, sub = arg
        for _ in range(low):
            at = sequence(nfa, sub, at)
        end = nfa.state()
        nfa.eps[at].append(end)
        for _ in range(min(high, MAX_DIGITS) - low):
            at = sequence(nfa, sub, at)
            nfa.eps[at].append(end)
        return end
    raise ValueError(f"unexpected regex node {op}")


def closure(nfa, states):
    stack, seen = list(states), set(states)
    while stack:
        for t in nfa.eps[stack.pop()]:
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return frozenset(seen)


def automaton(personal, no_ones, general=()):
    """(transitions, kinds) of the minimal deterministic automaton; state 0 starts."""
    nfa = Nfa()
    start = nfa.state()
    ends = {}
    for patterns, kind in ((personal, PERSON), (no_ones, OTHER), (general, POSSIBLE)):
        for pattern in patterns:
            begin = nfa.state()
            nfa.eps[start].append(begin)
            ends.setdefault(sequence(nfa, parser.parse(pattern), begin), set()).add(kind)
    first = closure(nfa, {start})
    index, order, table, kinds = {first: 0}, [first], [], []
    while len(table) < len(order):
        states = order[len(table)]
        row = []
        for digit in range(10):
            targets = {t for s in states for d, t in nfa.edges[s] if d == digit}
            if not targets:
                row.append(-1)
                continue
            targets = closure(nfa, targets)
            if targets not in index:
                index[targets] = len(order)
                order.append(targets)
            row.append(index[targets])
        table.append(row)
        reached = set().union(*(ends.get(s, set()) for s in states))
        kinds.append(min(reached, key=[NONE, PERSON, OTHER, POSSIBLE].index, default=NONE))
    return minimise(table, kinds)


def equivalent(rows, kinds):
    """Each state's class (Moore's refinement): states of one class accept the same
    digit strings with the same kind."""
    block = list(kinds)
    while True:
        signatures, refined = {}, []
        for state, row in enumerate(rows):
            key = (block[state], tuple(block[t] if t >= 0 else -1 for t in row))
            refined.append(signatures.setdefault(key, len(signatures)))
        done = len(signatures) == len(set(block))
        block = refined
        if done:
            return block


def minimise(table, kinds):
    block = equivalent(table, kinds)
    # Renumber so the start state is 0, in the order states are reached.
    order, seen = [], {block[0]: 0}
    queue = [0]
    representative = {}
    for state in range(len(table)):
        representative.setdefault(block[state], state)
    while queue:
        b = queue.pop(0)
        order.append(b)
        for t in table[representative[b]]:
            if t >= 0 and block[t] not in seen:
                seen[block[t]] = len(seen)
                queue.append(block[t])
    rows = [[seen[block[t]] if t >= 0 else -1 for t in table[representative[b]]] for b in order]
    return rows, [kinds[representative[b]] for b in order]


def classify(rows, kinds, digits):
    state = 0
    for d in digits:
        state = rows[state][int(d)]
        if state < 0:
            return NONE
    return kinds[state]


def main():
    regions_by_code = {}
    for region in phonenumbers.SUPPORTED_REGIONS:
        metadata = PhoneMetadata.metadata_for_region(region)
        regions_by_code.setdefault(metadata.country_code, []).append(metadata)
    codes, all_rows, all_kinds = [], [], []
    for code, regions in sorted(regions_by_code.items()):
        rows, state_kinds = automaton(patterns(regions, PERSONAL), patterns(regions, NO_ONES))
        check(code, regions, rows, state_kinds)
        base = len(all_rows)
        codes.append((code, base))
        all_rows += [[base + t if t >= 0 else -1 for t in row] for row in rows]
        all_kinds += state_kinds
    regions = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        metadata = PhoneMetadata.metadata_for_region(region)
        rows, state_kinds = automaton((), (), [metadata.general_desc.national_number_pattern])
        base = len(all_rows)
        regions.append((region, base, max(metadata.general_desc.possible_length)))
        all_rows += [[base + t if t >= 0 else -1 for t in row] for row in rows]
        all_kinds += state_kinds
    # One automaton for all: codes share their tails ("then six more digits").
    rows, kinds, starts = merge(all_rows, all_kinds, codes + [(r, b) for r, b, _ in regions])
    region_starts = [(r, start, longest) for (r, _, longest), (_, start) in zip(regions, starts[len(codes):])]
    starts = starts[: len(codes)]
    check_international_prefixes(regions_by_code)
    assert len(kinds) < 0xFFFF
    out = Path(__file__).resolve().parent.parent / "src/phone/patterns.rs"
    out.write_text(render(starts, region_starts, kinds, rows, local_numbers()))
    print(f"{len(starts)} calling codes, {len(kinds)} states to {out}")


def merge(rows, kinds, codes):
    """The minimal automaton of all the states together, and each code's start."""
    block = equivalent(rows, kinds)
    number, order = {}, []
    for _, start in codes:
        queue = [start]
        while queue:
            state = queue.pop(0)
            if block[state] in number:
                continue
            number[block[state]] = len(order)
            order.append(state)
            queue += [t for t in rows[state] if t >= 0]
    merged = [[number[block[t]] if t >= 0 else -1 for t in rows[state]] for state in order]
    return merged, [kinds[state] for state in order], [(code, number[block[start]]) for code, start in codes]


def local_numbers():
    """Regions whose numbers are also dialled without their area code, which
    libphonenumber adds back (its national prefix transform rule, of the simple form
    `([digits]\\d{n})$` → area + number): NANP islands, Guernsey, Jersey, Man, ...
    Per region: the first digits a local number may start with (a mask), its length,
    and the area code."""
    local = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        metadata = PhoneMetadata.metadata_for_region(region)
        rule = metadata.national_prefix_transform_rule
        found = re.match(r"\(\[?([0-9-]+)\]?\\d\{(\d+)\}\)\$", metadata.national_prefix_for_parsing or "")
        if not rule or not found or not re.fullmatch(r"\d+\\1", rule):
            continue
        digits = set()
        for low, _, high in re.findall(r"(\d)(-(\d))?", found.group(1)):
            digits.update(range(int(low), int(high or low) + 1))
        mask = sum(1 << d for d in digits)
        local.append((region, mask, int(found.group(2)) + 1, rule[:-2]))
    return local


def check_international_prefixes(regions_by_code):
    """Every international prefix the hand-kept table (src/phone/table.rs) lists is one
    libphonenumber's pattern for a country of its calling code matches: a prefix it
    does not know would read a national number as a foreign one."""
    table = (Path(__file__).resolve().parent.parent / "src/phone/table.rs").read_text()
    for found in re.finditer(r'p\((\d+), "([A-Z ]+)", &\[[^\]]*\], &\[([^\]]*)\]\)', table):
        code, prefixes = int(found.group(1)), re.findall(r'"(\d+)"', found.group(3))
        patterns = [m.international_prefix for m in regions_by_code[code] if m.international_prefix]
        for prefix in prefixes:
            assert any(re.fullmatch(p, prefix) for p in patterns), (code, prefix, patterns)


def patterns(regions, types):
    return [
        getattr(m, t).national_number_pattern
        for m in regions
        for t in types
        if getattr(m, t) is not None and getattr(m, t).national_number_pattern
    ]


def check(code, regions, rows, kinds):
    """Every example number is classified as libphonenumber types it."""
    for metadata in regions:
        for name in PERSONAL + NO_ONES:
            desc = getattr(metadata, name)
            if desc is None or not desc.example_number:
                continue
            want = PERSON if name in PERSONAL else OTHER
            got = classify(rows, kinds, desc.example_number)
            assert got == want, (code, metadata.id, name, desc.example_number, got)


def listing(values, per_line=24):
    return "\n".join(
        "    " + ", ".join(str(v) for v in values[i : i + per_line]) + ","
        for i in range(0, len(values), per_line)
    )


def render(starts, region_starts, kinds, rows, local):
    next_states = [
        "[" + ", ".join(str(0xFFFF if t < 0 else t) for t in row) + "]" for row in rows
    ]
    return f"""//! Generated by `scripts/phone_patterns.py` from libphonenumber {phonenumbers.__version__}: do not edit.
//!
//! libphonenumber's number patterns as one minimal automaton per calling code over the
//! digits of a significant number (see [`super::table::Plan::kind`]).

/// Per calling code, ascending: its automaton's start state.
#[rustfmt::skip]
pub(super) static STARTS: [(u16, u16); {len(starts)}] = [
{listing([f"({code}, {start})" for code, start in starts], 8)}
];

/// Per region (ISO alpha-2, ascending): the start of the automaton of its general
/// description, and the most digits that description allows.
#[rustfmt::skip]
pub(super) static REGIONS: [(&str, u16, u8); {len(region_starts)}] = [
{listing([f'("{r}", {start}, {longest})' for r, start, longest in region_starts], 6)}
];

/// Regions whose numbers are also written without their area code (ISO alpha-2,
/// ascending): the first digits such a number may start with (bit `d`), its length,
/// and the area code libphonenumber puts before it.
#[rustfmt::skip]
pub(super) static LOCAL: [(&str, u16, u8, &str); {len(local)}] = [
{listing([f'("{r}", {mask}, {length}, "{area}")' for r, mask, length, area in local], 4)}
];

/// Per state: 0 no number ends here, 1 a person's number (fixed line, mobile, VoIP,
/// personal), 2 a number of another type (toll-free, premium rate, ...), 3 a number
/// a region's general description allows.
#[rustfmt::skip]
pub(super) static KINDS: [u8; {len(kinds)}] = [
{listing(kinds, 40)}
];

/// Per state and digit, the next state; `u16::MAX`: nowhere (no number continues so).
/// Dense, one load per digit: a walk over runs of digits cost a phone number as much
/// again, for 31 KB less.
#[rustfmt::skip]
pub(super) static NEXT: [[u16; 10]; {len(rows)}] = [
{listing(next_states, 2)}
];
"""


if __name__ == "__main__":
    main()
