"""tiktok-offline-events: the cdp:destination component for Python, with dicts in,
dataclasses out, errors as exceptions, and the Rust host's sandboxing defaults: no
network but the hosts the component declares (https, default port), secrets kept in
the host and put only into the request headers that carry them, a fresh instance for
every call but the pure ones (one kept instance, replaced after a trap), and memory and
time limits per call.

    from tiktok_offline_events import Destination

    destination = Destination()
    output = destination.transform(settings, records)
    for request in output.requests:
        destination.send(settings, request)
"""

import json
import re
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

from wasmtime.component import Record, Variant

from . import http
from .host import (
    Limits,
    Plugin,
    SecretError,
    egress_refusal,
    field,
    keep_back,
    record,
    resolve_headers,
    settings_list,
    spec_as_dict,
    split_result,
)

__all__ = [
    "AuthError",
    "ComponentTrap",
    "Connection",
    "Delivery",
    "Destination",
    "DestinationError",
    "EventSet",
    "HttpLimits",
    "HttpRequest",
    "HttpResponse",
    "InvalidSettingsError",
    "Limits",
    "PermanentError",
    "PreparedRequest",
    "RateLimitedError",
    "Rejection",
    "SendOutput",
    "TransformOutput",
    "TransientError",
    "Validation",
    "Warning",
]

Settings = Dict[str, Union[str, bool, int, None]]


class DestinationError(Exception):
    """An error the component returned; `kind` is the WIT variant's case."""

    kind = ""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidSettingsError(DestinationError):
    """`fields`: [(key, message)]."""

    kind = "invalid-settings"

    def __init__(self, fields):
        super().__init__("; ".join(f"{key}: {message}" for key, message in fields))
        self.fields = fields


class AuthError(DestinationError):
    kind = "auth"


class RateLimitedError(DestinationError):
    """`retry_after_ms`: when TikTok said, else None."""

    kind = "rate-limited"

    def __init__(self, message, retry_after_ms=None):
        super().__init__(message)
        self.retry_after_ms = retry_after_ms


class TransientError(DestinationError):
    kind = "transient"


class PermanentError(DestinationError):
    kind = "permanent"


class ComponentTrap(Exception):
    """The component trapped (a bug, or a limit)."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: List[Tuple[str, str]]
    body: Optional[str]
    timeout_ms: int


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: List[Tuple[str, str]]
    body: str


@dataclass(frozen=True)
class Validation:
    event_set_id: str
    event_set_name: Optional[str]
    event_set_created: bool
    advertiser_name: Optional[str]


@dataclass(frozen=True)
class PreparedRequest:
    """One TikTok request: event `e` is `event_ids[e]`, merged from `event_sizes[e]`
    rows, the next ones of `rows` (positions in the records given to `transform`)."""

    body: str
    event_ids: List[str]
    event_sizes: List[int]
    rows: List[int]


@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str


@dataclass(frozen=True)
class Warning:
    """About the row (of `transform`) or the event (of `send`) at `position`."""

    position: int
    field: str
    rule: str


@dataclass(frozen=True)
class TransformOutput:
    requests: List[PreparedRequest]
    rejections: List[Rejection]
    warnings: List[Warning]


@dataclass(frozen=True)
class Delivery:
    """`status`: "delivered", "rejected" or "retryable"; `reason` unless delivered."""

    status: str
    reason: Optional[str] = None


@dataclass(frozen=True)
class SendOutput:
    """A delivery per event of the request, in order."""

    deliveries: List[Delivery]
    warnings: List[Warning]


@dataclass(frozen=True)
class EventSet:
    id: str
    name: str
    description: Optional[str]
    auto_tracking: bool


@dataclass(frozen=True)
class Connection:
    settings: Settings
    accounts: List[Tuple[str, Optional[str]]]
    account_setting: str


@dataclass(frozen=True)
class HttpLimits:
    """Ceilings on the component's HTTP: any one request's timeout, a response's size,
    and the calls one export call may make; and the longest text from the guest kept
    in an error or a log line."""

    timeout_ms: int = 30_000
    max_response_bytes: int = 4 << 20
    calls_per_call: int = 64
    max_guest_text: int = 1024


# Exports on which the host refuses HTTP; they run on one kept instance (`call_pure`).
_PURE = {"describe-settings", "transform", "authorization-url"}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Destination:
    """The TikTok offline-events destination.

    - `fetch(HttpRequest) -> HttpResponse`: HTTP; default: urllib, no proxy, no redirects.
    - `endpoint`: a base URL every allowed request goes to instead (the sandbox:
      "http://127.0.0.1:PORT"); https, or http to loopback.
    - `now() -> int`: the clock, Unix milliseconds; default: the system's.
    - `log(level, message)`: the component's log lines and the host's; default: none.
    - `allow_hosts`: hosts the component may reach; default: those its spec declares.
    - `limits`: memory and time per call (`Limits`); `http_limits`: `HttpLimits`.
    """

    def __init__(
        self,
        fetch: Optional[Callable[[HttpRequest], HttpResponse]] = None,
        endpoint: Optional[str] = None,
        now: Optional[Callable[[], int]] = None,
        log: Optional[Callable[[str, str], None]] = None,
        allow_hosts: Optional[Sequence[str]] = None,
        limits: Limits = Limits(),
        http_limits: HttpLimits = HttpLimits(),
    ):
        self._plugin = Plugin(limits=limits)
        self._fetch = fetch
        self._endpoint = None if endpoint is None else _check_endpoint(endpoint)
        self._now = now or (lambda: int(time.time() * 1000))
        self._log = log or (lambda level, message: None)
        self._http_limits = http_limits
        self._spec = self._call("destination", "describe-settings")
        hosts = self._spec.hosts if allow_hosts is None else allow_hosts
        self._allow_hosts = [h.lower() for h in hosts]
        self._secret_keys = {f.key for f in self._spec.settings if f.secret}

    def describe(self) -> dict:
        """The component's spec: its settings (key, label, description, type, required,
        secret, default, options), the record fields it reads, its request limits and
        the hosts it declares."""
        return spec_as_dict(self._spec)

    def validate(self, settings: Settings) -> Validation:
        """Checks the settings against TikTok; finds or creates the event set."""
        v = self._call("destination", "validate-credentials", settings=settings)
        return Validation(*(field(v, name) for name in ("event_set_id", "event_set_name", "event_set_created", "advertiser_name")))

    def transform(self, settings: Settings, records: Sequence[Union[dict, str]]) -> TransformOutput:
        """Records (dicts, or JSON text of one object each) to TikTok requests. Pure: no
        HTTP. Rows and positions count from 0 in `records`."""
        lines = _lines(records)
        output = self._call("batch", "transform", lines, settings=settings)
        return TransformOutput(
            requests=[
                PreparedRequest(r.body, field(r, "event_ids"), field(r, "event_sizes"), r.rows) for r in output.requests
            ],
            rejections=[Rejection(r.row, r.reason) for r in output.rejections],
            warnings=[_warning(w) for w in output.warnings],
        )

    def send(self, settings: Settings, request: PreparedRequest) -> SendOutput:
        """Sends one request of `transform`."""
        prepared = record(
            body=request.body,
            event_ids=list(request.event_ids),
            event_sizes=list(request.event_sizes),
            rows=list(request.rows),
        )
        output = self._call("batch", "send", prepared, settings=settings)
        return SendOutput(
            deliveries=[Delivery(s.tag, s.payload) for s in output.statuses],
            warnings=[_warning(w) for w in output.warnings],
        )

    def authorization_url(self, app_id: str, redirect_uri: str, state: str) -> str:
        return self._call("oauth", "authorization-url", app_id, redirect_uri, state)

    def connect(self, app_id: str, app_secret: str, auth_code: str) -> Connection:
        """Exchanges an auth code for a token."""
        c = self._call("oauth", "connect", app_id, app_secret, auth_code, secrets={app_secret})
        return Connection(
            settings={s.key: s.value for s in c.settings},
            accounts=[(a.id, a.name) for a in c.accounts],
            account_setting=field(c, "account_setting"),
        )

    def list_event_sets(self, settings: Settings) -> List[EventSet]:
        return [_event_set(s) for s in self._call("event-sets", "list-event-sets", settings=settings)]

    def create_event_set(
        self, settings: Settings, name: str, description: str = "", auto_tracking: bool = False
    ) -> EventSet:
        created = self._call(
            "event-sets", "create-event-set", name, description, auto_tracking, settings=settings
        )
        return _event_set(created)

    def update_event_set(
        self, settings: Settings, id: str, name: Optional[str] = None, auto_tracking: Optional[bool] = None
    ) -> EventSet:
        updated = self._call("event-sets", "update-event-set", id, name, auto_tracking, settings=settings)
        return _event_set(updated)

    def _call(self, interface, function, *args, settings=None, secrets=()):
        """Calls an export on a fresh instance, settings first when given, secrets by
        reference; returns its `ok` value or raises its `err` as an exception."""
        kept = {}
        if settings is not None:
            try:
                passed, kept = keep_back(settings_list(settings), lambda key: key in self._secret_keys)
            except SecretError as error:
                raise InvalidSettingsError(error.errors) from None
            args = (passed, *args)
        hidden = set(kept.values()) | set(secrets)
        host = _Host(self, function in _PURE, kept, hidden)
        try:
            call = self._plugin.call_pure if function in _PURE else self._plugin.call
            value = call(host, interface, function, *args)
        except Exception as error:  # a trap: wasmtime's error, or a limit
            raise ComponentTrap(self._shown(str(error), hidden)) from None
        if function in ("describe-settings", "authorization-url"):
            return value
        tag, payload = split_result(value)
        if tag == "err":
            raise _error(payload, lambda text: self._shown(text, hidden))
        return payload

    def _shown(self, text, hidden):
        """Text from the guest as the host shows it: secrets masked, control characters
        escaped, cut to the limit."""
        for secret in hidden:
            text = text.replace(secret, "[secret]")
        text = _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        limit = self._http_limits.max_guest_text
        return text if len(text) <= limit else text[:limit] + "… (cut)"


class _Host:
    """The imports of one call: the egress policy, secrets put back into the headers of
    allowed requests, the clock and the log."""

    def __init__(self, destination, pure, secrets, hidden):
        self.d = destination
        self.pure = pure
        self.secrets = secrets
        self.hidden = hidden
        self.calls = 0

    def now_ms(self):
        return int(self.d._now())

    def log(self, level, message):
        self.d._log(level, self.d._shown(message, self.hidden))

    def fetch(self, request):
        if self.pure:
            return Variant("denied", "no HTTP during this call: it must be pure")
        limits = self.d._http_limits
        self.calls += 1
        if self.calls > limits.calls_per_call:
            return Variant("denied", f"more than {limits.calls_per_call} HTTP calls in one call")
        refusal = egress_refusal(request.url, self.d._allow_hosts)
        if refusal:
            return Variant("denied", refusal)
        url = request.url
        if self.d._endpoint is not None:
            parts = urlsplit(url)
            url = self.d._endpoint + parts.path + (f"?{parts.query}" if parts.query else "")
        outgoing = HttpRequest(
            method=request.method.upper(),
            url=url,
            headers=resolve_headers(request.headers, self.secrets),
            body=request.body,
            timeout_ms=min(field(request, "timeout_ms"), limits.timeout_ms),
        )
        host = urlsplit(request.url).hostname
        try:
            if self.d._fetch is not None:
                answer = self.d._fetch(outgoing)
            else:
                status, headers, body = http.fetch(
                    outgoing.method, outgoing.url, outgoing.headers, outgoing.body,
                    outgoing.timeout_ms, limits.max_response_bytes,
                )
                answer = HttpResponse(status, headers, body)
        except http.HttpFailure as failure:
            self.d._log("warn", f"HTTP {outgoing.method} {host}: {failure.kind} {failure.detail}")
            if failure.kind == "connection":
                return Variant("connection", "the connection failed")
            return Variant(failure.kind)
        except Exception as error:  # the caller's fetch failed
            self.d._log("warn", f"HTTP {outgoing.method} {host}: {error}")
            return Variant("connection", "the connection failed")
        if len(answer.body.encode()) > limits.max_response_bytes:
            return Variant("too-large")
        response = Record()
        response.status = answer.status
        response.headers = [tuple(h) for h in answer.headers]
        response.body = answer.body
        return response


def _check_endpoint(text):
    parts = urlsplit(text)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return f"{parts.scheme}://{parts.netloc}"
    raise ValueError(f"endpoint {parts.scheme}://{parts.netloc}: only https, or http to a loopback address")


def _lines(records):
    """The batch as the component takes it: one line per record."""
    if set(map(type, records)) <= {str}:
        # JSON text: one join and one count, rather than a check per row.
        lines = "\n".join(records)
        if lines.count("\n") == max(len(records) - 1, 0):
            return lines
    return "\n".join(_line(r, n) for n, r in enumerate(records))


def _line(record_, row):
    line = record_ if isinstance(record_, str) else json.dumps(record_, ensure_ascii=False)
    if "\n" in line:
        raise ValueError(f"record {row}: JSON text of one line expected")
    return line


def _warning(positioned):
    warning = positioned.warning
    return Warning(positioned.position, warning.field, warning.rule)


def _event_set(s):
    return EventSet(s.id, s.name, s.description, field(s, "auto_tracking"))


def _error(variant, shown):
    tag, payload = variant.tag, variant.payload
    if tag == "invalid-settings":
        return InvalidSettingsError([(shown(f.key), shown(f.message)) for f in payload])
    if tag == "auth":
        return AuthError(shown(payload))
    if tag == "rate-limited":
        return RateLimitedError(shown(payload.message), field(payload, "retry_after_ms"))
    if tag == "transient":
        return TransientError(shown(payload))
    if tag == "permanent":
        return PermanentError(shown(payload))
    return ComponentTrap(f"unknown error case {shown(str(tag))}")
