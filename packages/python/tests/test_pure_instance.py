"""The kept instance of the pure exports (`Plugin.call_pure`) is safe: a batch gives the
same answer on the kept instance as on a fresh one, whatever ran before it, and an
instance whose call trapped is replaced, not reused.

    python -m unittest discover -s tests      (after build.py, with the package installed)
"""

import json
import unittest

from wasmtime.component import Variant

from tiktok_offline_events.host import Plugin, keep_back, settings_list

NOW = 1684574455000
SETTINGS, _ = keep_back(
    settings_list({"access_token": "tok-0123456789", "event_set_id": "7181537436256731137"}),
    lambda key: key == "access_token",
)


def row(i):
    return json.dumps(
        {
            "email": f"user{i}@example.com",
            "phone": "+12133734253",
            "event": "Purchase",
            "event_id": f"ord-{i % 7}",
            "timestamp": 1684574395 + i,
            "value": i % 7,
            "currency": "USD" if (i % 7) % 2 else "EUR",
        }
    )


BATCHES = [
    "\n".join(row(i) for i in range(50)),
    '{"email": "a@b.c"}\nnot json\n',
    "\n".join(row(i * 3) for i in range(30)),
]


class Clock:
    def __init__(self, now_ms=NOW):
        self.now = now_ms

    def fetch(self, request):
        return Variant("denied", "pure")

    def now_ms(self):
        if isinstance(self.now, Exception):
            raise self.now
        return self.now

    def log(self, level, message):
        pass


def plain(value):
    """wasmtime-py's output as comparable data."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: plain(v) for k, v in vars(value).items()}
    return value


class PureInstanceTest(unittest.TestCase):
    def setUp(self):
        self.plugin = Plugin()

    def transform(self, lines, pure=True, host=None):
        call = self.plugin.call_pure if pure else self.plugin.call
        return plain(call(host or Clock(), "batch", "transform", SETTINGS, lines))

    def test_a_batch_answers_the_same_on_the_kept_instance_as_on_a_fresh_one_in_any_order(self):
        expected = [self.transform(lines, pure=False) for lines in BATCHES]
        self.assertTrue(expected[0]["requests"], "the first batch has requests")
        self.assertEqual(len(expected[1]["rejections"]), 2, "the second batch rejects both rows")
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2, 0, 1]]:
            for index in order:
                self.assertEqual(self.transform(BATCHES[index]), expected[index], f"batch {index}")
        self.assertEqual(self.plugin.pure_instances, 1, "one instance for all of it")

    def test_a_call_that_traps_drops_the_instance_and_the_next_call_gets_a_new_one(self):
        ok = self.transform(BATCHES[0])
        with self.assertRaises(Exception):
            self.transform(BATCHES[0], host=Clock(RuntimeError("the host clock failed")))
        self.assertEqual(self.plugin.pure_instances, 1)
        self.assertEqual(self.transform(BATCHES[0]), ok)
        self.assertEqual(self.plugin.pure_instances, 2, "a new instance after the trap")


if __name__ == "__main__":
    unittest.main()
