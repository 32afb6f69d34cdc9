"""The package's API over the packaged component, with a scripted fetch: what crosses
to the network, what the caller gets back, and what never leaves the host.

    python -m unittest discover -s tests      (after build.py, with the package installed)
"""

import hashlib
import json
import unittest
from datetime import datetime, timezone

from tiktok_offline_events import (
    AuthError,
    ComponentTrap,
    Delivery,
    Destination,
    HttpResponse,
    InvalidSettingsError,
    Limits,
    PermanentError,
)

TOKEN = "tok-2f1e0d9c8b7a6f5e4d3c"
SETTINGS = {
    "access_token": TOKEN,
    "advertiser_id": "7000000000000000001",
    "event_set_id": "7181537436256731137",
    "default_currency": "EUR",
}
NOW = int(datetime(2026, 11, 12, tzinfo=timezone.utc).timestamp() * 1000)


def record(n):
    return {
        "email": f" User{n}@Example.com ",
        "event": "Purchase",
        "event_id": f"ord-{n}",
        "timestamp": "2026-11-11T10:00:00Z",
        "value": "12.50",
    }


def scripted(answer=None):
    """A fetch that records what it is asked and answers TikTok's success."""
    seen = []
    body = json.dumps(answer or {"code": 0, "message": "OK", "data": {}})

    def fetch(request):
        seen.append(request)
        return HttpResponse(200, [("content-type", "application/json")], body)

    return seen, fetch


class DestinationTest(unittest.TestCase):
    def test_transform_hashes_as_tiktok_documents_and_the_token_goes_only_in_its_header(self):
        seen, fetch = scripted()
        logs = []
        destination = Destination(fetch=fetch, now=lambda: NOW, log=lambda level, message: logs.append(message))
        output = destination.transform(SETTINGS, [record(1), json.dumps(record(2)), {"event": "Purchase"}])
        self.assertEqual([r.row for r in output.rejections], [2])
        [request] = output.requests
        self.assertEqual(list(request.rows), [0, 1])
        self.assertEqual(request.event_ids, ["ord-1", "ord-2"])
        body = json.loads(request.body)
        # Trimmed, lower-cased, SHA-256 (TikTok's rule), hashed here by hashlib.
        self.assertEqual(body["data"][0]["user"]["email"], [hashlib.sha256(b"user1@example.com").hexdigest()])
        self.assertEqual(body["data"][0]["properties"]["currency"], "EUR")
        self.assertEqual(seen, [], "transform is pure")

        sent = destination.send(SETTINGS, request)
        self.assertEqual(sent.deliveries, [Delivery("delivered"), Delivery("delivered")])
        [call] = seen
        self.assertEqual(call.url, "https://business-api.tiktok.com/open_api/v1.3/event/track/")
        self.assertEqual([h for h in call.headers if h[0].lower() == "access-token"], [("Access-Token", TOKEN)])
        self.assertEqual(call.body, request.body)
        self.assertNotIn(TOKEN, request.body)
        self.assertFalse(any(TOKEN in line for line in logs))

    def test_a_record_of_more_than_one_line_is_refused_naming_it(self):
        destination = Destination(fetch=scripted()[1], now=lambda: NOW)
        with self.assertRaisesRegex(ValueError, "record 1: JSON text of one line expected"):
            destination.transform(SETTINGS, [json.dumps(record(1)), '{"a":\n1}'])

    def test_an_app_secret_echoed_back_by_tiktok_is_not_in_the_error(self):
        app_secret = "app-secret-9f8e7d6c5b4a"
        seen, fetch = scripted({"code": 40101, "message": f"app_secret {app_secret} does not match the app", "data": {}})
        destination = Destination(fetch=fetch, now=lambda: NOW)
        with self.assertRaises(AuthError) as raised:
            destination.connect("7000000000000000009", app_secret, "code-1")
        self.assertNotIn(app_secret, str(raised.exception))
        self.assertIn(app_secret, seen[0].body, "the secret went to TikTok, in the body")

    def test_an_endpoint_takes_the_requests_the_policy_allowed(self):
        seen, fetch = scripted()
        destination = Destination(fetch=fetch, now=lambda: NOW, endpoint="http://127.0.0.1:9")
        [request] = destination.transform(SETTINGS, [record(1)]).requests
        destination.send(SETTINGS, request)
        self.assertEqual(seen[0].url, "http://127.0.0.1:9/open_api/v1.3/event/track/")
        with self.assertRaisesRegex(ValueError, "only https, or http to a loopback address"):
            Destination(fetch=fetch, endpoint="http://example.com")

    def test_a_host_the_spec_does_not_declare_is_refused_before_any_fetch(self):
        seen, fetch = scripted()
        destination = Destination(fetch=fetch, now=lambda: NOW, allow_hosts=["example.com"])
        [request] = destination.transform(SETTINGS, [record(1)]).requests
        with self.assertRaisesRegex(PermanentError, "host 'business-api.tiktok.com' is not in the egress allow-list"):
            destination.send(SETTINGS, request)
        self.assertEqual(seen, [])

    def test_errors_are_typed_and_a_secret_echoed_back_is_masked(self):
        _, fetch = scripted({"code": 40105, "message": f"Access token {TOKEN} is incorrect or has been revoked.", "data": {}})
        destination = Destination(fetch=fetch, now=lambda: NOW)
        with self.assertRaises(AuthError) as raised:
            destination.validate(SETTINGS)
        self.assertEqual(raised.exception.kind, "auth")
        self.assertNotIn(TOKEN, str(raised.exception))
        with self.assertRaises(InvalidSettingsError) as raised:
            destination.transform({**SETTINGS, "access_token": "two words"}, [record(1)])
        self.assertEqual([key for key, _ in raised.exception.fields], ["access_token"])
        self.assertNotIn("two words", str(raised.exception))

    def test_a_call_past_its_time_limit_traps(self):
        destination = Destination(now=lambda: NOW, limits=Limits(guest_time_ms=10))
        big = [record(n) for n in range(50_000)]
        with self.assertRaises(ComponentTrap):
            destination.transform(SETTINGS, big)
        # The next call gets a new instance and its own deadline.
        self.assertEqual(len(destination.transform(SETTINGS, [record(1)]).requests), 1)

    def test_a_call_past_its_memory_limit_traps(self):
        destination = Destination(now=lambda: NOW, limits=Limits(memory_bytes=4 << 20))
        big = [record(n) for n in range(20_000)]
        with self.assertRaises(ComponentTrap):
            destination.transform(SETTINGS, big)


if __name__ == "__main__":
    unittest.main()
