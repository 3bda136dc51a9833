"""Example apps written the way developers of each stack write them, never tuned for the
resolver, each in an ``original`` and a ``redesign`` variant, with a plain-language spec
(``<app>/spec.py``, shape in ``examples/apps/spec.py``).

``serve(name, variant)`` serves one on 127.0.0.1 on a free port, from a background thread,
and yields its base URL. Vite-built apps are served from their committed ``dist/<variant>``
(tests never need npm); the server-rendered app runs under uvicorn.
"""

from __future__ import annotations

import functools
import importlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from examples.apps.spec import AppSpec

HERE = Path(__file__).resolve().parent
VARIANTS = ("original", "redesign")


@dataclass(frozen=True)
class AppInfo:
    name: str
    stack: str
    description: str
    # static apps: served from <name>/<static_dir>/<variant>; otherwise `asgi` names
    # "module:factory" where factory(variant) returns an ASGI app
    asgi: str | None = None
    # static apps: the folder under <name>/ that holds one subfolder per variant
    static_dir: str = "dist"
    # "dev": developed against (the resolver was improved while looking at it);
    # "held_out": written after the resolver, never looked at while changing it — its
    # figures are the honest ones and are printed apart
    group: str = "dev"

    @property
    def spec(self) -> AppSpec:
        module = importlib.import_module(f"examples.apps.{self.name}.spec")
        spec: AppSpec = module.SPEC
        return spec

    def static_root(self, variant: str) -> Path:
        return HERE / self.name / self.static_dir / variant


APPS: dict[str, AppInfo] = {
    "tasks_preact": AppInfo(
        name="tasks_preact",
        stack="Preact 11 + Vite, hash routing",
        description="a task list: add, complete, edit in place on double-click, filters "
        "#/ #/active #/completed, hover-only delete, clear completed",
    ),
    "settings_lit": AppInfo(
        name="settings_lit",
        stack="Lit 3 web components (open shadow DOM) + Vite",
        description="account settings: custom elements wrapping text fields, a country "
        "dropdown, checkboxes, a dark-mode switch, a profile summary, a confirmation dialog",
    ),
    "backoffice": AppInfo(
        name="backoffice",
        stack="server-rendered multi-page (Starlette + Jinja2, plain forms)",
        description="orders back-office: search form, paginated table with per-row edit and "
        "remove, order page with a definition list and totals, edit form, user menu, footer",
        asgi="examples.apps.backoffice.app:create_app",
    ),
    "board_jquery": AppInfo(
        name="board_jquery",
        stack="jQuery 4 (vendored), no build; the page is built 0.6-0.8 s after load",
        description="a sprint board: three columns, add a card per column, HTML5 drag and "
        "drop between and within columns, delete a card, filter the board",
        static_dir="site",
    ),
    "clinic_booking": AppInfo(
        name="clinic_booking",
        stack="plain HTML + vanilla JS, one page",
        description="clinic appointments: booking form (text field, doctor dropdown, reason "
        "textarea, SMS reminder box), upcoming appointments with per-row Reschedule/Cancel, a "
        "reschedule panel; redesign: cards, placeholder-only textarea, decoy 'Book for a family "
        "member'",
        static_dir="site",
        group="held_out",
    ),
    "bank_payees": AppInfo(
        name="bank_payees",
        stack="plain HTML + vanilla JS, tables and a modal",
        description="bank payees: accounts table, payees table with Pay/Edit/Delete, a modal "
        "to add a payee, a transfer form, recent transfers; redesign: side drawers, "
        "placeholder-only fields, icon buttons, decoys 'Save and pay', 'Send later'",
        static_dir="site",
        group="held_out",
    ),
    "travel_search": AppInfo(
        name="travel_search",
        stack="plain HTML + vanilla JS, results rendered 0.3 s after the search",
        description="flight search: From/To fields, passengers dropdown, direct-only box, "
        "filters, sort dropdown, result cards with Select, a trip summary (<dl>); redesign: "
        "placeholder-only fields, chips, tiles, a sticky trip bar, decoy navigation links",
        static_dir="site",
        group="held_out",
    ),
    "support_tickets": AppInfo(
        name="support_tickets",
        stack="plain HTML + vanilla JS, a table and a form with radio buttons",
        description="helpdesk tickets: new-ticket form (subject, description, priority "
        "radios), per-row Assign to me / Close ticket, priority filter, search, count; "
        "redesign: cards, side panel with placeholder-only fields, icon buttons, decoys "
        "'Bulk close', 'Save as draft'. Written after the held-out fixes, measured once",
        static_dir="site",
        group="held_out",
    ),
}

DEV_APPS = [name for name, info in APPS.items() if info.group == "dev"]
HELD_OUT_APPS = [name for name, info in APPS.items() if info.group == "held_out"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def _serve_static(root: Path) -> Iterator[str]:
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"{root} has no index.html (run the app's rebuild.sh)")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, name=f"app-{root.parent.parent.name}", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def _serve_asgi(target: str, variant: str) -> Iterator[str]:
    import uvicorn

    module_name, factory_name = target.split(":")
    app = getattr(importlib.import_module(module_name), factory_name)(variant)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"app-{module_name}-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    try:
        while True:
            try:
                httpx.get(base_url + "/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise RuntimeError(f"{target} did not start on {base_url}") from None
                time.sleep(0.05)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve(name: str, variant: str = "original") -> Iterator[str]:
    """Serve app `name` in `variant` ("original" or "redesign"); yields its base URL."""
    if name not in APPS:
        raise KeyError(f"unknown app {name!r}; known: {', '.join(sorted(APPS))}")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    info = APPS[name]
    if info.asgi is not None:
        with _serve_asgi(info.asgi, variant) as url:
            yield url
    else:
        with _serve_static(info.static_root(variant)) as url:
            yield url


__all__ = ["APPS", "DEV_APPS", "HELD_OUT_APPS", "VARIANTS", "AppInfo", "serve"]
