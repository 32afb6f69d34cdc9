"""The component as wasmtime-py hosts it: compiled once, the host's http, clock and log
imports linked once, and a fresh store and instance for every call (0.07 ms: wasmtime
instantiates from a pre-compiled component). The low-level layer under the package's
`Destination`, and what the conformance driver uses to call every export with WIT's
shapes.

Contract 0.2 (`batch`): secret settings cross into the guest as references
(`secret:<key>`, see `keep_back`) and `fetch` puts the values back into request headers
(`resolve_headers`) after the egress policy passed the URL."""

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from wasmtime import Config, Engine, Store, WasiConfig
from wasmtime.component import Component, Linker, Record, Variant

# The component this package ships (build.py puts it here).
PACKAGED = Path(__file__).resolve().parent / "component.wasm"

PACKAGE = "cdp:destination"
# The imports are 0.1.0's in both versions; 0.2.0 adds the `batch` export.
IMPORTS = "0.1.0"
VERSIONS = {"batch": "0.2.0"}


@dataclass(frozen=True)
class Limits:
    """What one call of the component may use, enforced by wasmtime (a call past either
    traps): its instance's memory, and its time running in the component (waits for
    HTTP answers excluded: the deadline starts again after each)."""

    memory_bytes: int = 256 << 20
    guest_time_ms: int = 10_000


# Epoch ticks: the time limit is counted in these.
TICK_MS = 10


class Plugin:
    """One compiled component and one linker. Each `call` runs in a fresh store and
    instance whose imports call `host`:

        host.fetch(request) -> Record(status, headers, body), or Variant(http-error case)
        host.now_ms() -> int
        host.log(level, message)
    """

    def __init__(self, wasm_path=PACKAGED, limits=Limits()):
        config = Config()
        config.epoch_interruption = True
        self.engine = Engine(config)
        self.limits = limits
        self._ticks = max(1, limits.guest_time_ms // TICK_MS)
        self._store = None
        self._pure = None
        # Kept instances made so far (`call_pure`): one, unless a call trapped.
        self.pure_instances = 0
        _tick(self.engine)
        self.component = Component.from_file(self.engine, str(wasm_path))
        self.linker = Linker(self.engine)
        self.linker.add_wasip2()
        self._host = None
        # Import functions are linked once, so they reach the host of the current call
        # through `self._host`. Each gets the store context first.
        with self.linker.root() as root:
            with root.add_instance(f"{PACKAGE}/http@{IMPORTS}") as http:
                http.add_func("fetch", self._fetch)
            with root.add_instance(f"{PACKAGE}/clock@{IMPORTS}") as clock:
                clock.add_func("now-ms", lambda _: self._host.now_ms())
            with root.add_instance(f"{PACKAGE}/log@{IMPORTS}") as log:
                log.add_func("log", lambda _, level, message: self._host.log(level, message))

    def _fetch(self, _, request):
        answer = self._host.fetch(request)
        # Waiting on the network is not the guest's CPU time: its deadline starts again.
        self._store.set_epoch_deadline(self._ticks)
        return answer

    def call(self, host, interface, function, *args):
        """Calls `function` of the exported `interface` (e.g. "destination",
        "transform-batch") with wasmtime-py values on a fresh store and instance;
        returns its result as they are."""
        self._host = host
        store, instance = self._new_instance()
        return _export(store, instance, interface, function)(store, *args)

    def call_pure(self, host, interface, function, *args):
        """`call` for an export the contract declares pure, on one store and instance
        kept across calls: a fresh one costs about 0.4 ms, a 1,000-row batch a few.
        Safe because such an export makes no HTTP call (the host refuses it), reads
        the clock through `host`, and the component keeps nothing between calls (each
        call's input and output live in memory the call allocates and frees). The
        deadline starts again for each call, and the memory limit stays. A call that
        traps drops the store; the next call makes a new one."""
        self._host = host
        key = (interface, function)
        if self._pure is None:
            self._pure = (*self._new_instance(), {})
            self.pure_instances += 1
        store, instance, funcs = self._pure
        self._store = store
        store.set_epoch_deadline(self._ticks)
        if key not in funcs:
            funcs[key] = _export(store, instance, interface, function)
        try:
            return funcs[key](store, *args)
        except Exception:
            self._pure = None
            raise

    def _new_instance(self):
        store = Store(self.engine)
        store.set_limits(memory_size=self.limits.memory_bytes)
        store.set_epoch_deadline(self._ticks)
        # WASI with nothing in it: no files, environment, arguments or network.
        store.set_wasi(WasiConfig())
        self._store = store
        return store, self.linker.instantiate(store, self.component)


def _export(store, instance, interface, function):
    version = VERSIONS.get(interface, "0.1.0")
    exported = instance.get_export_index(store, f"{PACKAGE}/{interface}@{version}")
    return instance.get_func(store, instance.get_export_index(store, function, exported))


def field(value, name):
    """A field of a wasmtime-py record: its attributes keep WIT's kebab-case names."""
    return getattr(value, name.replace("_", "-"))


def spec_as_dict(s):
    """The spec record as plain data with snake_case keys."""
    return {
        "id": s.id,
        "name": s.name,
        "version": s.version,
        "settings": [
            {
                "key": f.key,
                "label": f.label,
                "description": f.description,
                "type": field(f, "field_type"),
                "required": f.required,
                "secret": f.secret,
                "default": f.default,
                "options": f.options,
            }
            for f in s.settings
        ],
        "record_fields": [
            {"name": f.name, "description": f.description, "required": f.required}
            for f in field(s, "record_fields")
        ],
        "max_events_per_request": field(s, "max_events_per_request"),
        "max_request_bytes": field(s, "max_request_bytes"),
        "hosts": s.hosts,
    }


def settings_list(flat):
    """A settings dict as the WIT's list, sorted by key, None dropped. Values go
    untagged: wasmtime-py picks the setting-value case from the Python type."""
    settings = []
    for key in sorted(flat):
        value = flat[key]
        if value is None:
            continue
        if not isinstance(value, (str, bool, int)):
            raise TypeError(f"setting {key}: must be a str, a bool or an int")
        settings.append(record(key=key, value=value))
    return settings


def record(**fields):
    """A WIT record; kebab-case field names are passed with underscores."""
    value = Record()
    for name, field in fields.items():
        setattr(value, name.replace("_", "-"), field)
    return value


def split_result(value):
    """A WIT `result` whose `ok` type is never a variant, as ("ok", v) or ("err", e).

    wasmtime-py tags a result only when its two cases could be confused; here `err` is
    always the `destination-error` variant and `ok` never is, so it comes untagged."""
    if isinstance(value, Variant):
        return "err", value
    return "ok", value


def reference(key):
    """What a secret setting's value crosses into a 0.2 guest as."""
    return f"secret:{key}"


HEADER_VALUE = re.compile(r"[\x21-\x7e]+")


def keep_back(settings, is_secret):
    """Settings (records of key and value) as a 0.2 guest gets them: each secret text
    value (`is_secret` by key, from the spec) replaced by its reference and kept back,
    trimmed. Returns (settings, secrets: reference -> value), or raises SecretError
    (the host's settings error) for a value that cannot be a header value. An empty one
    crosses as it is, for the guest to say it is required."""
    secrets = {}
    errors = []
    passed = []
    for setting in settings:
        value = setting.value
        if not is_secret(setting.key) or not isinstance(value, str) or not value.strip():
            passed.append(setting)
            continue
        value = value.strip()
        if not HEADER_VALUE.fullmatch(value):
            errors.append(
                (
                    setting.key,
                    "must be printable ASCII without spaces or line breaks: check for a character pasted with it",
                )
            )
        secrets[reference(setting.key)] = value
        passed.append(record(key=setting.key, value=reference(setting.key)))
    if errors:
        raise SecretError(errors)
    return passed, secrets


class SecretError(Exception):
    """Secret settings the host refuses: [(key, message)]."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def resolve_headers(headers, secrets):
    """Request headers as they go on the wire: a value that is exactly a reference
    becomes its secret. Only for a request the egress policy allowed."""
    return [(name, secrets.get(value, value)) for name, value in headers]


def egress_refusal(url, allowed_hosts):
    """The reasons host-harness's policy gives, word for word; None when the guest may
    fetch `url`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"not a valid URL ({error})"
    if parts.scheme != "https":
        return f"scheme '{parts.scheme}' is not allowed; only https"
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL are not allowed"
    if port is not None and port != 443:
        return "only the default https port is allowed"
    if parts.hostname not in allowed_hosts:
        return f"host '{parts.hostname}' is not in the egress allow-list"
    return None


def _tick(engine):
    """Advances `engine`'s epoch every TICK_MS for as long as the process runs: each
    store's deadline is a number of these ticks. A daemon thread per engine."""

    def run():
        while True:
            threading.Event().wait(TICK_MS / 1000)
            engine.increment_epoch()

    threading.Thread(target=run, name="wasmtime-epoch", daemon=True).start()
