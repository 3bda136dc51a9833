"""Fixtures of the reporting core: a stand-in for an outside issue tracker (a local HTTP
server that records requests), a reporter that talks to it through the real httpx client,
and finished runs written straight into the database."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel

from backend.reports import registry
from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
)


@dataclass
class Tracker:
    """``POST /items`` makes an item (201 ``{"id"}``), ``PATCH /items/{id}`` updates it,
    ``POST /items/{id}/notes`` adds the failures. ``fail_notes`` answers that many 500s
    to notes; ``down`` answers 503 to everything."""

    url: str = ""
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_notes: int = 0
    down: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, pattern: str = ".*") -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] == method and re.fullmatch(pattern, r[1])]


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    fake = Tracker()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            with fake.lock:
                fake.requests.append((self.command, self.path, body))
                if fake.down:
                    return self._answer(503, {"message": "down for maintenance"})
                if self.command == "POST" and self.path == "/items":
                    item_id = str(len(fake.items) + 1)
                    fake.items[item_id] = dict(body)
                    return self._answer(201, {"id": item_id})
                match = re.fullmatch(r"/items/(\w+)(/notes)?", self.path)
                if match is None or match.group(1) not in fake.items:
                    return self._answer(404, {"message": "no such item"})
                if match.group(2):
                    if fake.fail_notes > 0:
                        fake.fail_notes -= 1
                        return self._answer(500, {"message": "notes are broken"})
                    fake.items[match.group(1)]["notes"] = body
                    return self._answer(200, {})
                if self.command == "PATCH":
                    fake.items[match.group(1)].update(body)
                    return self._answer(200, {"id": match.group(1)})
                return self._answer(405, {})

        do_POST = _handle
        do_PATCH = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


class TrackerSettings(BaseModel):
    url: str
    board: str = "qa"


class TrackerReporter(Reporter):
    """A destination shaped like the real ones: create once, then update by external id."""

    kind: ClassVar[str] = "tracker"
    settings_model: ClassVar[type[BaseModel]] = TrackerSettings

    def key(self, settings: TrackerSettings) -> str:
        return f"tracker:{settings.board}"

    def _fields(self, report: RunReport) -> dict[str, Any]:
        return {
            "run": str(report.run_id),
            "status": report.status,
            "counts": report.counts,
            "link": report.report_url,
            "reason": report.reason,
        }

    async def start(
        self,
        report: RunReport,
        settings: TrackerSettings,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult | None:
        response = await ctx.http.post(f"{settings.url}/items", json=self._fields(report))
        response.raise_for_status()
        return DeliveryResult(external_id=response.json()["id"])

    async def deliver(
        self,
        report: RunReport,
        settings: TrackerSettings,
        state: DeliveryState,
        ctx: ReporterContext,
    ) -> DeliveryResult:
        if state.external_id is None:
            response = await ctx.http.post(f"{settings.url}/items", json=self._fields(report))
        else:
            response = await ctx.http.patch(
                f"{settings.url}/items/{state.external_id}", json=self._fields(report)
            )
        if response.status_code >= 400:
            raise DeliveryError(f"tracker answered {response.status_code}: {response.text}")
        item_id = str(response.json()["id"])
        notes = [
            {
                "test": t.node_id,
                "file": t.file,
                "line": t.line,
                "message": t.error_message,
                "traceback": t.traceback,
            }
            for t in report.failures
        ]
        response = await ctx.http.post(f"{settings.url}/items/{item_id}/notes", json=notes)
        if response.status_code >= 400:
            # The item exists: the retry must update it, not make another.
            raise DeliveryError(f"notes refused ({response.status_code})", external_id=item_id)
        return DeliveryResult(external_id=item_id, link=f"{settings.url}/items/{item_id}")


@pytest.fixture
def reporters(monkeypatch: pytest.MonkeyPatch) -> dict[str, type[Reporter]]:
    """The registry answers with the tracker reporter (G2's destinations are tested in
    tests/reports/destinations)."""
    found: dict[str, type[Reporter]] = {"tracker": TrackerReporter}
    monkeypatch.setattr(registry, "_reporters", lambda: found)
    return found
