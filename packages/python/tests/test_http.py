"""The default HTTP (urllib) against a real server on loopback: an answer is returned
whatever its status, redirects are not followed, a body over the cap and a server
that does not answer in time are the http-error cases the component knows."""

import threading
import time
import unittest

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tiktok_offline_events import http


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/big":
            self._answer(200, b"x" * 2048)
        elif self.path == "/slow":
            time.sleep(1)
            self._answer(200, b"late")
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/big")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._answer(404, b'{"code": 40001}')

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client that timed out has gone: its broken pipe is expected


class DefaultHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()

    def fetch(self, path, timeout_ms=5000, cap=1024):
        return http.fetch("GET", self.base + path, [], None, timeout_ms, cap)

    def test_an_error_status_is_an_answer_for_the_component(self):
        status, _, body = self.fetch("/missing")
        self.assertEqual((status, body), (404, '{"code": 40001}'))

    def test_a_redirect_is_not_followed(self):
        status, headers, _ = self.fetch("/moved")
        self.assertEqual(status, 302)
        self.assertIn(("Location", "/big"), headers)

    def test_a_body_over_the_cap_is_too_large(self):
        with self.assertRaises(http.HttpFailure) as raised:
            self.fetch("/big", cap=1024)
        self.assertEqual(raised.exception.kind, "too-large")
        self.assertEqual(self.fetch("/big", cap=4096)[0], 200)

    def test_a_server_that_does_not_answer_in_time_is_a_timeout(self):
        with self.assertRaises(http.HttpFailure) as raised:
            self.fetch("/slow", timeout_ms=200)
        self.assertEqual(raised.exception.kind, "timeout")

    def test_a_closed_port_is_a_connection_failure(self):
        with self.assertRaises(http.HttpFailure) as raised:
            http.fetch("GET", "http://127.0.0.1:9/", [], None, 1000, 1024)
        self.assertEqual(raised.exception.kind, "connection")


if __name__ == "__main__":
    unittest.main()
