"""The default HTTP of `Destination`: the standard library's urllib, synchronous as the
component's `http` import is. Redirects are not followed (the component sees them),
no proxy is used, and a body over the cap is `too-large`. The egress policy is the
caller's (`Destination`), checked before a request gets here."""

import socket
import urllib.error
import urllib.request


class HttpFailure(Exception):
    """A request that got no usable answer: `kind` is the WIT http-error case
    (`timeout`, `too-large`, `connection`); `detail` is for the host's log only."""

    def __init__(self, kind, detail=""):
        super().__init__(kind)
        self.kind = kind
        self.detail = detail


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fetch(method, url, headers, body, timeout_ms, max_response_bytes):
    """Performs one request: returns (status, [(name, value)], body text)."""
    request = urllib.request.Request(
        url,
        data=None if body is None else body.encode(),
        headers=dict(headers),
        method=method,
    )
    try:
        with _opener.open(request, timeout=timeout_ms / 1000) as response:
            return _read(response, max_response_bytes)
    except urllib.error.HTTPError as response:
        # A 4xx or 5xx is an answer for the component to read, not a failure.
        with response:
            return _read(response, max_response_bytes)
    except (socket.timeout, TimeoutError) as error:
        raise HttpFailure("timeout", str(error)) from None
    except (urllib.error.URLError, OSError) as error:
        raise HttpFailure("connection", str(getattr(error, "reason", error))) from None


def _read(response, max_response_bytes):
    data = response.read(max_response_bytes + 1)
    if len(data) > max_response_bytes:
        raise HttpFailure("too-large")
    return response.status, list(response.headers.items()), data.decode("utf-8", "replace")
