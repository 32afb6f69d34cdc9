"""Hosting a cdp:destination component in Python with wasmtime-py: compile once, link
the host's http, clock and log imports once, and instantiate afresh for every call."""

from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Linker, Record, Variant

PACKAGE = "cdp:destination"
VERSION = "0.1.0"


class Plugin:
    """One compiled component and one linker. Each `call` runs in a fresh store and
    instance whose imports call `host`:

        host.fetch(request) -> Record(status, headers, body), or Variant(http-error case)
        host.now_ms() -> int
        host.log(level, message)
    """

    def __init__(self, wasm_path):
        self.engine = Engine()
        self.component = Component.from_file(self.engine, wasm_path)
        self.linker = Linker(self.engine)
        self.linker.add_wasip2()
        self._host = None
        # Import functions are linked once, so they reach the host of the current call
        # through `self._host`. Each gets the store context first.
        with self.linker.root() as root:
            with root.add_instance(f"{PACKAGE}/http@{VERSION}") as http:
                http.add_func("fetch", lambda _, request: self._host.fetch(request))
            with root.add_instance(f"{PACKAGE}/clock@{VERSION}") as clock:
                clock.add_func("now-ms", lambda _: self._host.now_ms())
            with root.add_instance(f"{PACKAGE}/log@{VERSION}") as log:
                log.add_func("log", lambda _, level, message: self._host.log(level, message))

    def call(self, host, interface, function, *args):
        """Calls `function` of the exported `interface` (e.g. "destination",
        "transform-batch") with wasmtime-py values; returns its result as they are."""
        self._host = host
        store = Store(self.engine)
        # WASI with nothing in it: no files, environment, arguments or network.
        store.set_wasi(WasiConfig())
        instance = self.linker.instantiate(store, self.component)
        exported = instance.get_export_index(store, f"{PACKAGE}/{interface}@{VERSION}")
        func = instance.get_func(store, instance.get_export_index(store, function, exported))
        return func(store, *args)


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
