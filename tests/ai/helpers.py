"""Small builders for resolver tests: hand-made fingerprints, requests, and candidates
collected from a real page by the engine's collector (backend/cache/collect.py)."""

from __future__ import annotations

from typing import Any, cast

from playwright.async_api import Page

from backend.ai.base import ResolveRequest
from backend.cache import collect as collect_js
from backend.cache.records import ActionSpec, Fingerprint


def fp(tag: str, role: str = "", name: str = "", **fields: Any) -> Fingerprint:
    record: dict[str, Any] = {"tag": tag, "visible": True, "enabled": True}
    if role:
        record["role"] = role
    if name:
        record["name"] = name
    record.update(fields)
    return cast(Fingerprint, record)


def request(
    target: str,
    candidates: list[Fingerprint],
    method: str = "click",
    shortlist: list[int] | None = None,
    instruction: str | None = None,
) -> ResolveRequest:
    return ResolveRequest(
        instruction=instruction or f"{method} {target}",
        target=target,
        action=cast(ActionSpec, {"method": method}),
        candidates=candidates,
        shortlist=shortlist,
    )


async def collect(page: Page) -> list[Fingerprint]:
    """The page's candidates, collected by the engine's own collector."""
    raw = await page.evaluate(collect_js.page_expression(), collect_js.request("snapshot"))
    return collect_js.parse_snapshot(raw)["candidates"]
